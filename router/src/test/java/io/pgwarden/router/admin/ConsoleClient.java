package io.pgwarden.router.admin;

import io.pgwarden.local.ClientTools;
import io.pgwarden.local.CommandResult;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** Talks to the router's admin console the two ways admins do: psql, and pgjdbc in simple query mode. */
final class ConsoleClient {

    /** A result as column names and rows of column name to text value. */
    record Table(List<String> columns, List<Map<String, String>> rows) {
        List<Map<String, String>> rowsWhere(String column, String value) {
            return rows.stream().filter(r -> value.equals(r.get(column))).toList();
        }
    }

    private final int port;
    private final String database;
    private final String user;
    private final String password;

    ConsoleClient(int port, String database, String user, String password) {
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
    }

    Connection connect() throws SQLException {
        return connect(user, password, "simple");
    }

    Connection connect(String user, String password, String queryMode) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("preferQueryMode", queryMode);
        props.setProperty("connectTimeout", "10");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, props);
    }

    /** One command over pgjdbc (simple query mode). */
    Table jdbc(String command) throws SQLException {
        try (Connection c = connect()) {
            return query(c, command);
        }
    }

    static Table query(Connection c, String command) throws SQLException {
        try (Statement s = c.createStatement()) {
            if (!s.execute(command)) {
                return new Table(List.of(), List.of());
            }
            try (ResultSet rs = s.getResultSet()) {
                ResultSetMetaData meta = rs.getMetaData();
                List<String> columns = new ArrayList<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    columns.add(meta.getColumnName(i));
                }
                List<Map<String, String>> rows = new ArrayList<>();
                while (rs.next()) {
                    Map<String, String> row = new LinkedHashMap<>();
                    for (int i = 1; i <= columns.size(); i++) {
                        row.put(columns.get(i - 1), rs.getString(i));
                    }
                    rows.add(row);
                }
                return new Table(columns, rows);
            }
        }
    }

    /** One command over psql, its unaligned output parsed (psql prints NULL as an empty field). */
    Table psql(String command) {
        CommandResult result = psqlRaw(command).requireSuccess("psql -c '" + command + "'");
        List<String> lines = result.stdout().lines().filter(l -> !l.isBlank()).toList();
        List<String> columns = Arrays.asList(lines.get(0).split("\\|", -1));
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.matches("\\(\\d+ rows?\\)")) {
                continue;
            }
            String[] values = line.split("\\|", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                row.put(columns.get(i), values[i]);
            }
            rows.add(row);
        }
        return new Table(columns, rows);
    }

    CommandResult psqlRaw(String command) {
        return ClientTools.psql(Duration.ofSeconds(30), "127.0.0.1", port, user, password, database,
                "-A", "-F", "|", "-v", "VERBOSITY=verbose", "-c", command);
    }
}
