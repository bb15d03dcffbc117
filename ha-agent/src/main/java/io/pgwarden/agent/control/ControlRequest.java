package io.pgwarden.agent.control;

import java.util.Objects;

/** What the REST API asks the HA loop to do on PostgreSQL; the loop owns the server, so only it acts. */
public sealed interface ControlRequest {

    /** A short name for logs and "already in progress" answers. */
    String name();

    /** Restart PostgreSQL now, if {@code conditions} hold. */
    record Restart(RestartRequest conditions) implements ControlRequest {
        public Restart {
            Objects.requireNonNull(conditions, "conditions");
        }

        @Override
        public String name() {
            return "restart";
        }
    }

    /** Throw this replica's data away and clone it again from the leader (or a clonefrom member). */
    record Reinitialize(boolean force) implements ControlRequest {
        @Override
        public String name() {
            return "reinitialize";
        }
    }

    /** Apply this node's re-read settings to PostgreSQL ({@code POST /reload}). */
    record Reload(Runnable apply) implements ControlRequest {
        public Reload {
            Objects.requireNonNull(apply, "apply");
        }

        @Override
        public String name() {
            return "reload";
        }
    }
}
