package org.hecnn.cli;

import org.hecnn.HecnnException;

/** A command-line option's value is outside what the option accepts; the message names the option and its range. */
final class InvalidOptionException extends HecnnException {
    InvalidOptionException(String message) {
        super(message);
    }
}
