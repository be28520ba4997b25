package org.hecnn.spark;

import java.io.Serializable;

/**
 * One request file of the batch: its session (key-set fingerprint in hex), its id, and the fully qualified paths of
 * the request and of its session's key file.
 */
record RequestRef(String session, String id, String request, String keys) implements Serializable {
}
