package io.egressgw.validation;

/**
 * One reason an object is rejected: the JSON path of the offending field (e.g. {@code
 * spec.floatingIPs[1]}) and a sentence saying why, meant for the person who wrote the object.
 */
public record Violation(String field, String message) {}
