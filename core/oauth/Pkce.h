#pragma once
// Proof Key for Code Exchange (RFC 7636) and the `state` value (RFC 6749 §10.12): random
// strings from the system's CSPRNG, and the S256 challenge.

#include <QString>

namespace outpost {

/// Shortest and longest code verifier RFC 7636 §4.1 allows, in characters.
constexpr int kPkceVerifierMinLength = 43;
constexpr int kPkceVerifierMaxLength = 128;

/// A new code verifier of `length` characters (clamped to 43–128, RFC 7636 §4.1) from
/// QRandomGenerator::system(): base64url characters (A–Z a–z 0–9 "-" "_", a subset of the
/// unreserved set), so 6 bits of entropy per character (64 characters: 384 bits).
QString pkceVerifier(int length = 64);

/// The S256 code challenge of `verifier` (RFC 7636 §4.2): BASE64URL(SHA256(ASCII(verifier)))
/// without padding, 43 characters.
QString pkceChallenge(const QString &verifier);

/// A new `state` value for one authorization request (RFC 6749 §10.12): 32 random bytes from
/// QRandomGenerator::system(), base64url without padding (43 characters).
QString oauthState();

} // namespace outpost
