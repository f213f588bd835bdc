#pragma once

#include <QString>

namespace outpost {

/// How the connection to the submission server is protected (design.md §2).
enum class Security
{
    None,     ///< plain TCP; AUTH only to a loopback host and only when allowed explicitly
    StartTls, ///< plain TCP upgraded with STARTTLS (RFC 3207); never continues in plaintext
    Tls,      ///< implicit TLS from the first byte (RFC 8314 §3, port 465)
};

/// The command-line spelling of `s`: "none", "starttls" or "tls".
QString securityName(Security s);
/// Parses a security mode, case-insensitively and ignoring surrounding spaces: "none" (also
/// "plain"), "starttls", "tls" (also "implicit", "ssl"). Writes *out and returns true; returns
/// false and leaves *out unchanged on anything else.
bool securityFromName(const QString &name, Security *out);

} // namespace outpost
