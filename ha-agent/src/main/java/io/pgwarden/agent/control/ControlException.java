package io.pgwarden.agent.control;

/** A control request refused before anything was done: its status code and Patroni's wording. */
public final class ControlException extends RuntimeException {

    private final int code;

    public ControlException(int code, String message) {
        super(message);
        this.code = code;
    }

    public int code() {
        return code;
    }

    public ControlResult result() {
        return ControlResult.text(code, getMessage());
    }
}
