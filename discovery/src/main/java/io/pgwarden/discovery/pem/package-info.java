/**
 * Certificates and private keys in PEM files, read with the JDK alone, for every TLS setting of pgwarden
 * (etcd clients, the agent's REST API): {@link io.pgwarden.discovery.pem.PemFiles}.
 */
package io.pgwarden.discovery.pem;
