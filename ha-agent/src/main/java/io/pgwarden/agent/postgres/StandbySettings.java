package io.pgwarden.agent.postgres;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The recovery settings of a standby, in a file of their own ({@value DataDirectory#RECOVERY_CONF}) that
 * the agent's main file includes, so that configuring a standby or a primary never touches the other settings.
 */
final class StandbySettings {

    private StandbySettings() {
    }

    /**
     * The file's text.
     *
     * @param primaryHost null for a standby that follows nobody (read-only, waiting for a leader)
     * @param passFile  where the walreceiver finds the replication user's password (never in the conninfo)
     * @param slotName  {@code primary_slot_name}, or {@code null} to stream without a slot
     */
    static String render(String primaryHost, int primaryPort, String user, Path passFile, String applicationName,
                         String slotName) {
        Map<String, Object> settings = new LinkedHashMap<>();
        if (primaryHost == null) {
            // Empty, not absent: a reload must stop a walreceiver the included file started before.
            settings.put("primary_conninfo", "");
            settings.put("primary_slot_name", "");
            settings.put("recovery_target_timeline", "latest");
            return "# pgwarden agent: this standby follows nobody. Rewritten by the agent.\n" + ConfFile.lines(settings);
        }
        Map<String, String> conninfo = new LinkedHashMap<>();
        conninfo.put("host", primaryHost);
        conninfo.put("port", String.valueOf(primaryPort));
        conninfo.put("user", user);
        conninfo.put("passfile", passFile.toString());
        conninfo.put("application_name", applicationName);
        // Without it a primary that vanished from the network holds the walreceiver in connect() for minutes.
        conninfo.put("connect_timeout", "5");
        settings.put("primary_conninfo", Conninfo.of(conninfo));
        if (slotName != null) {
            settings.put("primary_slot_name", slotName);
        }
        // A standby follows its primary onto a new timeline after a failover.
        settings.put("recovery_target_timeline", "latest");
        return "# pgwarden agent: where this standby streams from. Rewritten by the agent.\n" + ConfFile.lines(settings);
    }
}
