package io.pgwarden.ctl.command;

import io.pgwarden.ctl.CtlException;
import io.pgwarden.discovery.patroni.MemberData;
import io.pgwarden.discovery.patroni.PatroniCluster;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Picking members of a cluster for a command, with messages that name the member and the cluster. */
final class Members {

    private Members() {
    }

    /** A member with a name, as read from its key. */
    record Named(String name, MemberData data) {
    }

    /** The leader (if it has a REST API), then every other member with one: whom to ask first. */
    static List<Named> leaderFirst(PatroniCluster cluster) {
        List<Named> members = new ArrayList<>();
        Optional<String> leader = cluster.leader();
        leader.map(l -> cluster.members().get(l)).filter(m -> m.apiUrl() != null)
                .ifPresent(m -> members.add(new Named(leader.get(), m)));
        cluster.members().forEach((name, m) -> {
            if (m.apiUrl() != null && !leader.map(name::equals).orElse(false)) {
                members.add(new Named(name, m));
            }
        });
        return members;
    }

    /**
     * The named members in the order given, or every member when none is named.
     *
     * @throws CtlException (usage) for a name that is not a member
     */
    static List<Named> select(PatroniCluster cluster, String scope, List<String> names) {
        if (names == null || names.isEmpty()) {
            List<Named> all = new ArrayList<>();
            cluster.members().forEach((name, m) -> all.add(new Named(name, m)));
            if (all.isEmpty()) {
                throw CtlException.failed("cluster " + scope + " has no members");
            }
            return all;
        }
        List<Named> selected = new ArrayList<>();
        for (String name : new LinkedHashSet<>(names)) {
            selected.add(new Named(name, require(cluster, scope, name)));
        }
        return selected;
    }

    /** @throws CtlException (usage) if {@code name} is not a member */
    static MemberData require(PatroniCluster cluster, String scope, String name) {
        MemberData member = cluster.members().get(name);
        if (member == null) {
            throw CtlException.usage("member " + name + " is not a member of cluster " + scope + " (members: "
                    + String.join(", ", cluster.members().keySet()) + ")");
        }
        return member;
    }

    /** @throws CtlException (failed) if the member publishes no REST API */
    static String apiUrl(Named member, String scope) {
        if (member.data().apiUrl() == null || member.data().apiUrl().isBlank()) {
            throw CtlException.failed("member " + member.name() + " of cluster " + scope + " publishes no api_url");
        }
        return member.data().apiUrl();
    }

    static String names(List<Named> members) {
        return String.join(", ", members.stream().map(Named::name).toList());
    }

    static Map<String, MemberData> byName(PatroniCluster cluster) {
        return cluster.members();
    }
}
