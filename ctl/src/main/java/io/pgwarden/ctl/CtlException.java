package io.pgwarden.ctl;

/**
 * Why a ctl command stopped, with the exit code a script sees: {@link ExitCodes#FAILED} when the
 * cluster or a member refused or could not be reached, {@link ExitCodes#USAGE} when the command line
 * or a configuration file is wrong. The message is printed as is and names the cluster or member.
 */
public final class CtlException extends RuntimeException {

    private final int exitCode;

    private CtlException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** Refused by a member or the store, not reachable, or aborted at a confirmation. */
    public static CtlException failed(String message) {
        return new CtlException(ExitCodes.FAILED, message, null);
    }

    public static CtlException failed(String message, Throwable cause) {
        return new CtlException(ExitCodes.FAILED, message, cause);
    }

    /** A wrong option, argument, value or configuration file: nothing was attempted. */
    public static CtlException usage(String message) {
        return new CtlException(ExitCodes.USAGE, message, null);
    }

    public static CtlException usage(String message, Throwable cause) {
        return new CtlException(ExitCodes.USAGE, message, cause);
    }

    public int exitCode() {
        return exitCode;
    }
}
