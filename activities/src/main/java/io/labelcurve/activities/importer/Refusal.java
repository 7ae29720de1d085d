package io.labelcurve.activities.importer;

/**
 * An input left out, and why.
 *
 * @param input the file (or labels CSV row) as the user knows it
 * @param reason what is wrong and what to do
 */
public record Refusal(String input, String reason) {}
