package io.pgwarden.router.admin.console;

import java.util.Objects;
import java.util.Optional;

/** One admin console command, as parsed from the query text. */
public sealed interface ConsoleCommand {

    /** What SHOW can list. */
    enum Target { POOLS, CLIENTS, SERVERS, STATS, CONFIG, TOPOLOGY, HELP, VERSION }

    record Show(Target target) implements ConsoleCommand {
        public Show {
            Objects.requireNonNull(target, "target");
        }
    }

    record Reload() implements ConsoleCommand {
    }

    /** @param database one database, or every one when empty */
    record Pause(Optional<String> database) implements ConsoleCommand {
        public Pause {
            Objects.requireNonNull(database, "database");
        }
    }

    /** @param database one database, or every one when empty */
    record Resume(Optional<String> database) implements ConsoleCommand {
        public Resume {
            Objects.requireNonNull(database, "database");
        }
    }

    record Kill(String database) implements ConsoleCommand {
        public Kill {
            Objects.requireNonNull(database, "database");
        }
    }

    /** A client library setting its session parameters (pgjdbc does at login): accepted, changes nothing. */
    record SetParameter(String name) implements ConsoleCommand {
        public SetParameter {
            Objects.requireNonNull(name, "name");
        }
    }
}
