#pragma once
// Structured outcomes of IMAP work. User-facing words are made from these only in ui/ and app/.

#include "ImapResponse.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace outpost {

/// The kind of an IMAP outcome, as a caller decides on it (retry, ask the user, give up).
enum class ImapErrorClass
{
    None,        ///< success
    Refused,     ///< NO without a more specific response code (RFC 9051 §7.1.2)
    Quota,       ///< NO [OVERQUOTA] or [LIMIT] (RFC 9051 §7.1, RFC 5530): the mailbox is full
    NoMailbox,   ///< NO [TRYCREATE] or [NONEXISTENT]: the mailbox does not exist
    Unavailable, ///< NO [UNAVAILABLE], [INUSE] or [SERVERBUG], a BYE: try again later
    Bad,         ///< BAD: the server did not accept the command's syntax (RFC 9051 §7.1.3)
    Network,     ///< connection refused, reset or lost, DNS failure
    Timeout,     ///< no progress in time
    Tls,         ///< TLS could not be set up or was refused (STARTTLS missing, handshake)
    Certificate, ///< the server's certificate is not trusted
    Auth,        ///< login refused or no usable mechanism
    Protocol,    ///< malformed or unexpected server data
    Local,       ///< refused before talking to the server (a NUL in the message, a bad Message-ID)
};

/// Stable lower-case name of a class ("quota", "no-mailbox", …; "" for None).
QString imapErrorClassName(ImapErrorClass c);
/// Inverse of imapErrorClassName(); unknown names give ImapErrorClass::None.
ImapErrorClass imapErrorClassFromName(const QString &name);
/// True for the classes where the same command may succeed later without anyone acting:
/// Unavailable, Network, Timeout, and Protocol (a broken connection, not a refusal).
bool imapErrorIsTemporary(ImapErrorClass c);

/// The outcome of one piece of IMAP work: its class, the status response that decided it (its
/// status, response code and text) and a technical detail for logs.
struct ImapResult
{
    ImapErrorClass errorClass = ImapErrorClass::None;
    ImapStatus status = ImapStatus::None;  ///< of the deciding response; None when none came
    QByteArray code;                       ///< its response code ("OVERQUOTA"), or empty
    QByteArray codeData;                   ///< the code's arguments as sent
    QString text;                          ///< its human-readable text (UTF-8, lossy)
    QString detail;                        ///< what went wrong, for logs
    QList<QByteArray> certificateChainPem; ///< the server's chain (PEM) when class is Certificate
    QStringList certificateErrors;         ///< why the chain was not trusted

    /// True for success.
    bool ok() const { return errorClass == ImapErrorClass::None; }
    /// A success decided by `response` (a tagged OK).
    static ImapResult success(const ImapResponse &response);
    /// A failure of class `c`; `response`, when given, is the status response that decided it.
    static ImapResult failure(ImapErrorClass c, const QString &detail,
                              const ImapResponse *response = nullptr);
    /// Classifies a tagged completion: OK success; NO by its response code (OVERQUOTA, LIMIT:
    /// Quota; TRYCREATE, NONEXISTENT: NoMailbox; UNAVAILABLE, INUSE, SERVERBUG: Unavailable;
    /// otherwise Refused); BAD Bad.
    static ImapResult fromTagged(const ImapResponse &response);
};

/// What every command's outcome carries besides its own data.
struct ImapCommandOutcome
{
    qint64 id = 0;              ///< the caller's id, passed back unchanged
    ImapResult result;          ///< how the command ended
    bool notAttempted = false;  ///< never written to the server (the session ended first)
    bool sessionReused = false; ///< ran on a session that had carried a command before
    QString server;             ///< "host:port"
};

/// One mailbox of a LIST response (RFC 9051 §7.3.1).
struct ImapMailbox
{
    QByteArray name;              ///< as on the wire: modified UTF-7 (RFC 3501 §5.1.3) or UTF-8
    QString displayName;          ///< the name decoded
    QByteArray delimiter;         ///< the hierarchy delimiter, empty for NIL
    QList<QByteArray> attributes; ///< "\HasNoChildren", "\Sent", … as sent

    /// True when `attribute` (e.g. "\Sent") is among the attributes, case-insensitively.
    bool hasAttribute(const QByteArray &attribute) const;
    /// False for \Noselect and \NonExistent mailboxes (RFC 9051 §7.3.1): nothing can be
    /// appended there.
    bool isSelectable() const;
};

/// How the Sent mailbox was found.
enum class SentFoundBy
{
    NotFound,
    SpecialUse, ///< the \Sent attribute (RFC 6154 §2)
    Name,       ///< a common name ("Sent", "Sent Items", "Sent Messages", "INBOX.Sent")
};

/// The outcome of LIST "" "*" and the Sent mailbox found in it.
struct ImapListResult : ImapCommandOutcome
{
    QList<ImapMailbox> mailboxes; ///< every mailbox listed (at most 10 000 are kept)
    ImapMailbox sent;             ///< the Sent mailbox, when sentFoundBy is not NotFound
    SentFoundBy sentFoundBy = SentFoundBy::NotFound;
    bool usedSpecialUse = false; ///< asked with RETURN (SPECIAL-USE) (RFC 6154 §5.1)
};

/// The outcome of one APPEND (RFC 9051 §6.3.12).
struct ImapAppendResult : ImapCommandOutcome
{
    quint32 uidValidity = 0;       ///< from [APPENDUID] (RFC 4315 §3), 0 when the server sent none
    quint32 uid = 0;               ///< the new message's UID from [APPENDUID], 0 when none
    bool literalSent = false;      ///< the whole message was written
    bool nonSynchronizing = false; ///< sent as a LITERAL+ literal (RFC 7888) without waiting
    /// ImapPool::appendChecked() found the copy already stored (uid and uidValidity are the
    /// ones UID SEARCH found): nothing was appended.
    bool alreadyStored = false;

    /// True when the message went out but the connection ended before the server's verdict:
    /// the server may hold the copy. Check with UID SEARCH before appending it again.
    bool uncertain() const
    {
        return literalSent && (result.errorClass == ImapErrorClass::Network ||
                               result.errorClass == ImapErrorClass::Timeout ||
                               result.errorClass == ImapErrorClass::Unavailable ||
                               result.errorClass == ImapErrorClass::Protocol);
    }
};

/// The outcome of UID SEARCH HEADER Message-ID (RFC 9051 §6.4.4, §6.4.9).
struct ImapSearchResult : ImapCommandOutcome
{
    QList<quint32> uids;     ///< the UIDs found, in the server's order
    quint32 uidValidity = 0; ///< of the mailbox searched (from EXAMINE), 0 when unknown
};

} // namespace outpost

Q_DECLARE_METATYPE(outpost::ImapResult)
Q_DECLARE_METATYPE(outpost::ImapListResult)
Q_DECLARE_METATYPE(outpost::ImapAppendResult)
Q_DECLARE_METATYPE(outpost::ImapSearchResult)
