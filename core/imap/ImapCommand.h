#pragma once

#include "ImapCapabilities.h"
#include "ImapConfig.h"
#include "ImapResult.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>

namespace outpost {

/// One message to copy into a mailbox with APPEND (RFC 9051 §6.3.12).
struct ImapAppendRequest
{
    qint64 id = 0;      ///< the caller's id, passed back in the result
    QByteArray mailbox; ///< the mailbox's name as LIST gave it (ImapMailbox::name)
    QByteArray message; ///< the RFC 5322 message (CRLF line ends; bare CR or LF are fixed)
    QList<QByteArray> flags = {QByteArrayLiteral("\\Seen")}; ///< flags to set, e.g. \Seen
    QDateTime internalDate; ///< the copy's internal date (the send time); invalid: the server's
};

/// One UID SEARCH HEADER Message-ID in one mailbox: does a copy exist already?
struct ImapSearchRequest
{
    qint64 id = 0;
    QByteArray mailbox;   ///< the mailbox's name as LIST gave it
    QByteArray messageId; ///< the Message-ID, with or without its angle brackets
};

/// One command run by an ImapSession once it is authenticated: LIST, APPEND, UID SEARCH (with
/// the EXAMINE it needs) or NOOP. The session owns the connection and its own commands
/// (CAPABILITY, STARTTLS, AUTHENTICATE, LOGIN, LOGOUT); a command writes through the session's
/// Channel and reads only what the session hands it: the continuation requests while it waits
/// for one, its tagged completions (by tag), and the untagged data while it runs. It never
/// ends itself: every entry point returns a Step the session applies, as SmtpTransaction does.
class ImapCommand
{
public:
    /// What a command uses of the session that runs it.
    class Channel
    {
    public:
        /// A fresh tag for a command line ("A12").
        virtual QByteArray nextTag() = 0;
        /// Writes command text (lines with their CRLF) and logs each line as "C: …";
        /// a non-empty `logForm` is logged instead.
        virtual void sendCommand(const QByteArray &bytes, const QByteArray &logForm) = 0;
        /// Writes `size` octets of a literal as they are, without logging them.
        virtual void writeOctets(const char *data, qsizetype size) = 0;
        /// Octets written and not yet handed to the kernel, plaintext and ciphertext.
        virtual qint64 unwritten() const = 0;
        /// Adds one line to the protocol log.
        virtual void log(const QString &line) = 0;
        /// The server's capabilities (after TLS and login).
        virtual const ImapCapabilities &capabilities() const = 0;
        virtual const ImapConfig &config() const = 0;
        /// The mailbox selected on the connection (EXAMINE), empty when none.
        virtual QByteArray selectedMailbox() const = 0;
        virtual quint32 selectedUidValidity() const = 0;
        virtual void setSelectedMailbox(const QByteArray &name, quint32 uidValidity) = 0;

    protected:
        ~Channel() = default;
    };

    /// What the session does after an entry point returned.
    struct Step
    {
        enum class Kind
        {
            Continue,      ///< the command waits for a response or for room to write
            Finished,      ///< the command is over: report it with `result`
            ProtocolError, ///< a response the protocol does not allow: `result` (Protocol)
                           ///< ends the command and the session
        };
        Kind kind = Kind::Continue;
        ImapResult result;
    };

    enum class Kind
    {
        List,
        Append,
        Search,
        Noop,
    };

    ImapCommand(Kind kind, qint64 id, Channel &channel)
        : m_kind(kind)
        , m_channel(channel)
    {
        m_outcome.id = id;
    }
    virtual ~ImapCommand() = default;

    /// Which command this is (the session reports each kind by its own signal).
    Kind kind() const { return m_kind; }
    /// The caller's id, passed back in the result.
    qint64 id() const { return m_outcome.id; }
    /// True for commands whose untagged data must not mix with another command's (LIST,
    /// SEARCH, EXAMINE): they run alone (RFC 9051 §5.5).
    virtual bool exclusive() const { return false; }
    /// A refusal found before anything is written (class Local), or an ok result.
    virtual ImapResult localRefusal() const { return {}; }
    /// Writes the command (for a synchronizing literal, up to its announcement).
    virtual Step start() = 0;
    /// Writes more literal octets while there is room (the session calls it when octets
    /// were written).
    virtual Step writeMore() { return {}; }
    /// True once every octet of the command is written: a pipelined command may follow.
    bool writeDone() const { return m_writeDone; }
    /// True while the command waits for a continuation request ("+").
    bool awaitsContinuation() const { return m_awaitsContinuation; }
    /// True when `tag` is the tag of this command's command line now awaiting completion.
    bool ownsTag(const QByteArray &tag) const { return !m_tag.isEmpty() && tag == m_tag; }
    /// A continuation request for this command.
    virtual Step handleContinuation(const ImapResponse &response);
    /// Untagged data that arrived while the command ran.
    virtual void handleUntagged(const ImapResponse &) {}
    /// This command's tagged completion.
    virtual Step handleTagged(const ImapResponse &response) = 0;
    /// The connection ended (or the server said BYE) before the completion: `cause` says how.
    /// Returns the result to report (an APPEND keeps whether its literal went out).
    virtual ImapResult resultWhenLost(const ImapResult &cause) const { return cause; }
    /// The common part of the outcome; the session sets notAttempted, sessionReused, server.
    ImapCommandOutcome &outcome() { return m_outcome; }

protected:
    static Step finished(const ImapResult &r) { return {Step::Kind::Finished, r}; }
    static Step protocolError(const QString &why, const ImapResponse *r = nullptr)
    {
        return {Step::Kind::ProtocolError, ImapResult::failure(ImapErrorClass::Protocol, why, r)};
    }
    /// Writes "TAG text\r\n" with a fresh tag, which becomes this command's.
    void sendTagged(const QByteArray &text, const QByteArray &logText = {});

    const Kind m_kind;
    Channel &m_channel;
    ImapCommandOutcome m_outcome;
    QByteArray m_tag;
    bool m_writeDone = false;
    bool m_awaitsContinuation = false;
};

/// LIST "" "*" (RFC 9051 §6.3.9), with RETURN (SPECIAL-USE) when the server offers SPECIAL-USE
/// and the extended LIST syntax (RFC 6154 §5.1, RFC 5258), and the search for the Sent mailbox:
/// the \Sent attribute, else the first selectable mailbox named "Sent", "Sent Items",
/// "Sent Messages" or "INBOX.Sent" (INBOX with any delimiter), compared case-insensitively.
class ImapListCommand : public ImapCommand
{
public:
    /// A LIST for the caller's `id`, run through `channel`.
    ImapListCommand(qint64 id, Channel &channel);
    bool exclusive() const override { return true; }
    Step start() override;
    void handleUntagged(const ImapResponse &response) override;
    Step handleTagged(const ImapResponse &response) override;
    /// The result so far (complete once finished).
    ImapListResult result() const;

    /// The Sent mailbox among `mailboxes` and how it was found (see the class comment).
    static SentFoundBy findSent(const QList<ImapMailbox> &mailboxes, ImapMailbox *sent);

private:
    ImapListResult m_result;
    bool m_malformed = false;
};

/// APPEND mailbox (flags) date-time literal (RFC 9051 §6.3.12): the literal is
/// non-synchronizing (RFC 7888) when the server offers LITERAL+ (or LITERAL- and the message
/// has at most 4096 octets) and the configuration allows it, else the command waits for the
/// server's "+" before the message. The message is written in pieces as the socket takes them.
/// [APPENDUID uidvalidity uid] (RFC 4315 §3) is kept in the result.
class ImapAppendCommand : public ImapCommand
{
public:
    /// Checks `request` at once (a NUL octet, an empty message, a mailbox name or flag that
    /// cannot be sent: localRefusal(), class Local) and prepares its octets (CRLF fixed).
    ImapAppendCommand(const ImapAppendRequest &request, Channel &channel);
    ImapResult localRefusal() const override { return m_refusal; }
    Step start() override;
    Step writeMore() override;
    Step handleContinuation(const ImapResponse &response) override;
    Step handleTagged(const ImapResponse &response) override;
    /// The result so far (complete once finished).
    ImapAppendResult result() const;

private:
    Step writeLiteral();

    ImapAppendRequest m_request;
    QByteArray m_wire; // the message as it goes out
    ImapResult m_refusal;
    qsizetype m_offset = 0;
    bool m_literalStarted = false;
    ImapAppendResult m_result;
};

/// EXAMINE mailbox (RFC 9051 §6.3.3, read-only, unless it is selected already), then
/// UID SEARCH HEADER Message-ID "<id>" (RFC 9051 §6.4.4): finds an existing copy of a
/// message, the check before a copy whose APPEND went unanswered is sent again.
class ImapSearchCommand : public ImapCommand
{
public:
    /// Checks `request` at once: a Message-ID that is not printable ASCII or a mailbox name
    /// that cannot be quoted is refused (class Local); angle brackets are added when missing.
    ImapSearchCommand(const ImapSearchRequest &request, Channel &channel);
    bool exclusive() const override { return true; }
    ImapResult localRefusal() const override { return m_refusal; }
    Step start() override;
    void handleUntagged(const ImapResponse &response) override;
    Step handleTagged(const ImapResponse &response) override;
    /// The result so far (complete once finished).
    ImapSearchResult result() const;

private:
    Step search();

    ImapSearchRequest m_request;
    ImapResult m_refusal;
    bool m_examining = false;
    quint32 m_uidValidity = 0;
    ImapSearchResult m_result;
};

/// NOOP (RFC 9051 §6.1.2): a round trip that proves the session alive.
class ImapNoopCommand : public ImapCommand
{
public:
    ImapNoopCommand(qint64 id, Channel &channel)
        : ImapCommand(Kind::Noop, id, channel)
    {}
    Step start() override;
    Step handleTagged(const ImapResponse &response) override;
};

} // namespace outpost
