package org.hecnn.backend;

/** Whether a backend can run on this machine, with the reason when it cannot. */
public record Availability(boolean available, String reason) {
    public static Availability yes(String detail) {
        return new Availability(true, detail);
    }

    public static Availability no(String reason) {
        return new Availability(false, reason);
    }
}
