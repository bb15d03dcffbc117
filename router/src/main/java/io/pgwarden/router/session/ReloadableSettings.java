package io.pgwarden.router.session;

import io.pgwarden.pool.auth.UserList;
import io.pgwarden.router.auth.CredentialStore;
import io.pgwarden.router.auth.HbaRule;
import io.pgwarden.router.auth.HbaRules;
import io.pgwarden.router.config.ConfigException;
import io.pgwarden.router.config.RouterConfig;

import java.io.IOException;
import java.util.Objects;
import java.util.Set;

/**
 * The parts of the config a reload may change that sessions read at login and checkout: hba
 * rules, users' secrets, limits, pool modes, and who may use the admin console. Immutable; a
 * reload swaps in a whole new one through {@link LiveSettings}.
 *
 * @param maxPreparedStatements per server connection in transaction mode
 */
public record ReloadableSettings(HbaRules hba, CredentialStore credentials, RouterConfig.Limits limits,
                                 PoolModes poolModes, int maxPreparedStatements, RouterConfig.Admin admin) {

    public ReloadableSettings {
        Objects.requireNonNull(hba, "hba");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(poolModes, "poolModes");
        Objects.requireNonNull(admin, "admin");
    }

    /**
     * Reads the auth file too; an unreadable or malformed one throws, naming the config file
     * ({@code source}), the key and the auth file.
     */
    public static ReloadableSettings from(RouterConfig config, String source) {
        return new ReloadableSettings(
                new HbaRules(config.auth().hba().stream().map(HbaRule::from).toList()),
                new CredentialStore(loadUsers(config.auth(), source)),
                config.limits(), PoolModes.from(config.pool()), config.pool().maxPreparedStatements(), config.admin());
    }

    /** Whether {@code database} is the admin console's, and the console is on. */
    public boolean isConsoleDatabase(String database) {
        return admin.consoleEnabled() && admin.database().equals(database);
    }

    public Set<String> adminUsers() {
        return Set.copyOf(admin.users());
    }

    private static UserList loadUsers(RouterConfig.Auth auth, String source) {
        if (auth.file() == null) {
            return null;
        }
        try {
            return UserList.load(auth.file());
        } catch (IOException e) {
            throw new ConfigException(source + ": bad value for key 'auth.file': cannot use " + auth.file() + ": "
                    + e.getMessage(), e);
        }
    }
}
