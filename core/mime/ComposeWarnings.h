#pragma once
// What the compose window warns about before a message is queued, decided from the
// capabilities the account's server announced at its last EHLO (AccountStore::lastCapabilities).

#include <QString>
#include <QStringList>

namespace outpost::mime {

/// The warnings for one message; all false / empty when there is nothing to say.
struct ComposeWarnings
{
    /// The remembered capabilities were known (the account has connected at least once).
    bool capabilitiesKnown = false;
    /// The SIZE the server announced (RFC 1870 §4), in octets; 0 when it announced none or no
    /// fixed limit, or when the capabilities are unknown.
    qint64 sizeLimit = 0;
    /// The message (`messageSize` octets) is larger than sizeLimit: the server would refuse it.
    bool tooLarge = false;
    /// Addresses (as given) whose local part is non-ASCII while the server did not offer
    /// SMTPUTF8 (RFC 6531 §3.2): the message would fail at send.
    QStringList needSmtpUtf8;

    bool any() const { return tooLarge || !needSmtpUtf8.isEmpty(); }
};

/// Decides the warnings for a message of `messageSize` octets from `from` to `recipients`,
/// given the account's remembered capability lines (one EHLO keyword and its parameters a
/// line, as Capabilities::describe() makes them, e.g. "SIZE 35882577", "SMTPUTF8").
/// An empty `lastCapabilities` means unknown (never connected, or HELO only): no warning.
/// A SIZE without a number, or "SIZE 0", means no fixed limit. Addresses that are not valid
/// are left to the address checks (no warning here). A pure function.
ComposeWarnings composeWarnings(const QStringList &lastCapabilities, qint64 messageSize,
                                const QString &from, const QStringList &recipients);

} // namespace outpost::mime
