package io.pgwarden.ctl.connect;

import io.pgwarden.ctl.CtlException;
import io.pgwarden.discovery.etcd.EtcdAccess;
import io.pgwarden.discovery.etcd.EtcdConfigException;
import io.pgwarden.discovery.etcd.EtcdSecurity;

import java.nio.file.Path;

/**
 * Turns ctl's etcd options and the -c file's etcd section into the shared {@link EtcdAccess}: each
 * setting from the command line if given there, else from the file. The endpoints and PEM files are
 * checked here, before anything is sent, and a bad one is a usage error naming where it was set
 * ({@code --etcd-cacert}, or {@code etcd.cacert in node1.yml}).
 */
public final class EtcdAccessResolver {

    /** The command line's names: {@code --etcd-} and the key of Patroni's etcd3 section ({@code --etcd-hosts} = {@code --etcd}). */
    public static final String OPTION_PREFIX = "--etcd-";

    /**
     * @throws CtlException (usage) when no endpoint is given, or a setting cannot work
     */
    public EtcdAccess resolve(EtcdSettings commandLine, FileSettings file) {
        EtcdSettings merged = commandLine.orElse(file.etcd());
        if (merged.hosts().isEmpty()) {
            throw CtlException.usage("no etcd endpoint: give --etcd URL, or -c with an agent's or router's YAML");
        }
        EtcdAccess access;
        try {
            access = EtcdAccess.parse("hosts", merged.hosts(), merged.protocol().orElse(null),
                    new EtcdSecurity(merged.cacert(), merged.cert(), merged.key(), merged.username(), merged.password()));
        } catch (EtcdConfigException e) {
            throw CtlException.usage("bad value for " + origin(e.key(), commandLine, file) + ": " + e.problem(), e);
        }
        // What etcd refuses later (a password, a certificate) is named where the security settings came from.
        boolean fromFile = file.file().isPresent() && !commandLine.hasSecurity()
                && (file.etcd().hasSecurity() || commandLine.hosts().isEmpty());
        return fromFile ? access.from(file.etcdSection() + ".", file.file().map(Path::toString).orElse(""))
                : access.from(OPTION_PREFIX, "");
    }

    /** Where a setting was given; for one given nowhere (a key that another one requires), where it belongs. */
    private static String origin(String key, EtcdSettings commandLine, FileSettings file) {
        String setting = key.startsWith("hosts") ? "hosts" : key;
        boolean onCommandLine = commandLine.has(setting)
                || (!file.etcd().has(setting) && (file.file().isEmpty() || commandLine.hasSecurity()));
        if (onCommandLine) {
            return setting.equals("hosts") ? "--etcd" : OPTION_PREFIX + setting;
        }
        return file.etcdKey(key);
    }
}
