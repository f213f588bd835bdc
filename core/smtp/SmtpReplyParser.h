#pragma once

#include "SmtpResult.h"

#include <QByteArray>
#include <QString>

namespace outpost {

/// Incremental parser of SMTP replies (RFC 5321 §4.2).
///
/// Feed it whatever the socket delivered; take complete replies with next(). Replies may be
/// split across reads and several may arrive in one read. A multi-line reply is the lines
/// "ddd-text" followed by one "ddd text" (or a bare "ddd"). Enhanced status codes
/// (RFC 3463, "x.y.z" whose class digit matches the reply code) are split off every reply.
///
/// Memory is bounded: of a line that has no LF yet at most Limits::maxLineLength + 1 octets
/// are buffered, however often feed() is called before next(). A line longer than
/// Limits::maxLineLength octets (CRLF included) or a reply with more than Limits::maxLines lines is
/// a protocol error, as is a malformed code or a multi-line reply whose lines carry different
/// codes. After an error the parser stays in the error state until reset(); errorString() says what
/// went wrong and offendingBytes() holds (at most 200 octets of) the bytes that caused it, for the
/// protocol log.
class SmtpReplyParser
{
public:
    struct Limits
    {
        int maxLineLength = 2048; ///< octets per line, CRLF included
        int maxLines = 512;       ///< lines per reply
    };
    enum class Status
    {
        NeedMore,
        Reply,
        Error
    };

    SmtpReplyParser() = default;
    explicit SmtpReplyParser(Limits limits)
        : m_limits(limits)
    {}

    /// Appends bytes read from the connection.
    void feed(const QByteArray &bytes);
    /// Takes the next complete reply into *reply. Returns NeedMore when no complete reply is
    /// buffered, Error on malformed input (see errorString()).
    Status next(SmtpReply *reply);

    /// True when bytes are buffered that do not form a complete reply yet, or complete replies
    /// have not been taken: used to detect data injected after a STARTTLS 220 (RFC 3207 §6).
    bool hasBufferedData() const { return !m_buffer.isEmpty() || m_lines > 0; }
    /// Octets buffered and not yet consumed.
    qsizetype bufferedSize() const { return m_buffer.size(); }
    /// Forgets every buffered byte and partial reply and clears the error state.
    void reset();

    QString errorString() const { return m_error; }
    QByteArray offendingBytes() const { return m_offending; }

private:
    Status fail(const QString &why, const QByteArray &bytes);

    Limits m_limits;
    QByteArray m_buffer; // unconsumed input
    qsizetype m_scanFrom = 0;
    qsizetype m_tailLength = 0; // octets after the last LF in m_buffer (capped, see feed())
    SmtpReply m_partial;        // lines of a multi-line reply so far
    int m_lines = 0;
    QString m_error;
    QByteArray m_offending;
};

} // namespace outpost
