package io.egressgw.program;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A NodeProgram as the controller sends it: the exact JSON bytes (base64) and the controller's
 * Ed25519 signature over them. The agent verifies the signature before it parses the payload, so no
 * canonical JSON form is needed and a program from anyone but the controller is rejected.
 *
 * @param payload base64 of the NodeProgram's (or ProgramDelta's) JSON
 * @param signature base64 of the Ed25519 signature: over the payload alone when {@code nonce} is
 *     null, else over the payload bound to the poll (see {@link ProgramSignatures#signBound})
 * @param nonce the nonce of the poll this program answers; null (and absent on the wire, so that
 *     agents from before it parse the answer) when the poll carried none
 * @param keyId the id of the key that signed it ({@link ProgramSignatures#keyId}), which agents
 *     look up in the published set ({@link ProgramKeySet}); null from a controller before key ids
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SignedProgram(String payload, String signature, String nonce, String keyId) {
  /** A program without a key id. */
  public SignedProgram(String payload, String signature, String nonce) {
    this(payload, signature, nonce, null);
  }
}
