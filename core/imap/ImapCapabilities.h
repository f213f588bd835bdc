#pragma once

#include <QByteArray>
#include <QList>
#include <QSet>
#include <QStringList>

namespace outpost {

/// The capabilities an IMAP server announced (RFC 9051 §6.1.1, §7.2.2), from a CAPABILITY
/// response or a [CAPABILITY …] response code. Names are compared case-insensitively.
struct ImapCapabilities
{
    QSet<QByteArray> names; ///< every capability, upper-case ("LITERAL+", "AUTH=PLAIN")

    /// Capabilities from the atoms of a CAPABILITY response or code.
    static ImapCapabilities fromList(const QList<QByteArray> &atoms);
    /// True when nothing was announced (yet).
    bool isEmpty() const { return names.isEmpty(); }
    /// True when `name` was announced (case-insensitive).
    bool has(const QByteArray &name) const { return names.contains(name.toUpper()); }
    /// The SASL mechanisms of the AUTH=… capabilities, upper-case (RFC 9051 §6.2.2).
    QStringList authMechanisms() const;
    bool startTls() const { return has("STARTTLS"); }           ///< RFC 9051 §6.2.1
    bool loginDisabled() const { return has("LOGINDISABLED"); } ///< RFC 9051 §6.2.3
    bool saslIr() const { return has("SASL-IR"); }              ///< RFC 4959
    bool literalPlus() const { return has("LITERAL+"); }        ///< RFC 7888 §3
    bool literalMinus() const { return has("LITERAL-"); }       ///< RFC 7888 §4: up to 4096 octets
    bool uidPlus() const { return has("UIDPLUS") || has("IMAP4REV2"); }            ///< RFC 4315
    bool specialUse() const { return has("SPECIAL-USE"); }                         ///< RFC 6154
    bool listExtended() const { return has("LIST-EXTENDED") || has("IMAP4REV2"); } ///< RFC 5258
    /// The announced names, sorted, space-separated: for logs and "Test connection".
    QByteArray describe() const;
};

} // namespace outpost
