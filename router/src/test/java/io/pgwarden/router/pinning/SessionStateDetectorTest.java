package io.pgwarden.router.pinning;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class SessionStateDetectorTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SET search_path TO foo | SET",
            "SET SESSION AUTHORIZATION alice | SET",
            "RESET search_path | RESET",
            "set session statement_timeout = 5 | SET",
            "SET ROLE alice | SET",
            "select 1; SET work_mem = '8MB' | SET",
            "RESET ALL | RESET",
            "LISTEN jobs | LISTEN",
            "SELECT pg_advisory_lock(42) | ADVISORY_LOCK",
            "select pg_try_advisory_lock_shared(1, 2) | ADVISORY_LOCK",
            "CREATE TEMP TABLE t (a int) | TEMP_TABLE",
            "create temporary table t as select 1 | TEMP_TABLE",
            "CREATE LOCAL TEMPORARY TABLE t (a int) | TEMP_TABLE",
            "SELECT 1 INTO TEMP t | TEMP_TABLE",
            "PREPARE q AS SELECT 1 | PREPARE",
            "DECLARE c CURSOR WITH HOLD FOR SELECT 1 | WITH_HOLD_CURSOR",
            "SELECT set_config('search_path', 'x', false) | SET_CONFIG",
            "SELECT set_config('a.b', $1, $2) | SET_CONFIG",
            "LOAD 'auto_explain' | LOAD",
    })
    void pins(String sql, PinReason expected) {
        assertThat(SessionStateDetector.detect(sql)).contains(expected);
    }

    @Test
    void commentsBeforeTheStatementDoNotHideIt() {
        assertThat(SessionStateDetector.detect("/* comment */ -- line\n SET x = 1")).contains(PinReason.SET);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT 1",
            "SET LOCAL statement_timeout = 5",
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            "SET CONSTRAINTS ALL DEFERRED",
            "SELECT 'SET x = 1'",
            "SELECT \"set\" FROM t",
            "SELECT $$LISTEN x$$",
            "SELECT E'it\\'s; LISTEN x'",
            "-- SET x = 1\nSELECT 1",
            "/* LISTEN /* nested */ x */ SELECT 1",
            "UPDATE t SET a = 1",
            "SELECT pg_advisory_xact_lock(1)",
            "SELECT set_config('a.b', 'x', true)",
            "PREPARE TRANSACTION 'tx1'",
            "DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1",
            "CREATE TABLE temp (a int)",
            "INSERT INTO pgbench_history (tid) VALUES ($1)",
            "UNLISTEN *",
            "SET application_name = 'PostgreSQL JDBC Driver'",
            "SET SESSION TimeZone TO 'UTC'",
            "set datestyle = 'ISO'",
            "RESET application_name",
    })
    void doesNotPin(String sql) {
        assertThat(SessionStateDetector.detect(sql)).isEmpty();
    }
}
