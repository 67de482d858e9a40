package io.egressgw.program;

/**
 * A NodeProgram as the controller sends it: the exact JSON bytes (base64) and the controller's
 * Ed25519 signature over them. The agent verifies the signature before it parses the payload, so no
 * canonical JSON form is needed and a program from anyone but the controller is rejected.
 *
 * @param payload base64 of the NodeProgram's JSON
 * @param signature base64 of the Ed25519 signature over the payload bytes
 */
public record SignedProgram(String payload, String signature) {}
