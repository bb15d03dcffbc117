package io.pgwarden.agent;

/** What the agent reports as it happens: the metrics listen here. */
public interface AgentEvents {

    void leaseRenewed(boolean ok);

    void electionWon();

    void promoted();

    void demoted(String reason);

    AgentEvents NONE = new AgentEvents() {
        public void leaseRenewed(boolean ok) {
        }

        public void electionWon() {
        }

        public void promoted() {
        }

        public void demoted(String reason) {
        }
    };
}
