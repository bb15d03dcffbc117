package io.pgwarden.ctl.command;

import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** The members a command acts on (default: every member) and whether to skip the question: reload, restart. */
final class MemberChoice {

    @Parameters(paramLabel = "MEMBER", arity = "0..*", description = "members to ${COMMAND-NAME} (default: every member)")
    List<String> names = new ArrayList<>();

    @Option(names = "--force", description = "do not ask for confirmation")
    boolean force;
}
