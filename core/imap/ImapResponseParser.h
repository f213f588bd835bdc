#pragma once

#include "ImapResponse.h"

#include <QByteArray>
#include <QString>

#include <deque>

namespace outpost {

/// Incremental parser of IMAP server responses (RFC 9051 §2.2.2, §7; RFC 3501 §7; the formal
/// syntax of RFC 9051 §9).
///
/// Feed it whatever the socket delivered; take complete responses with next(). A response may
/// be split across reads, several may arrive in one read, and a response may carry literals
/// ("{n}" CRLF and n octets, RFC 9051 §4.3; the "{n+}" form of RFC 7888 is accepted too)
/// anywhere a string may stand: the line goes on after each literal.
///
/// Bounded: every line piece (between CRLFs, literals excluded) is at most
/// Limits::maxLineLength octets, every literal at most Limits::maxLiteralSize (an announcement
/// of more fails at once, before any of its octets is buffered), a whole response at most
/// Limits::maxResponseSize, lists nest at most Limits::maxDepth deep. Of a response not complete
/// yet, at most those limits are buffered however the input is split. Anything malformed —
/// also a NUL or a bare CR in a line, an unknown status in a tagged response, a literal inside
/// status text — is an error, never a crash or a hang. After an error the parser stays in the
/// error state until reset(); errorString() says what went wrong and offendingBytes() holds at
/// most 200 octets of the cause, for the protocol log. Responses completed before the error are
/// still returned first.
class ImapResponseParser
{
public:
    struct Limits
    {
        int maxLineLength = 65536;                ///< octets per line piece, CRLF included
        qint64 maxLiteralSize = 1024 * 1024;      ///< octets per literal
        qint64 maxResponseSize = 4 * 1024 * 1024; ///< octets per response, literals included
        int maxDepth = 16;                        ///< nesting of parenthesized lists
    };
    enum class Status
    {
        NeedMore,
        Response,
        Error
    };

    /// A parser with the default limits.
    ImapResponseParser() = default;
    /// A parser with `limits`.
    explicit ImapResponseParser(Limits limits)
        : m_limits(limits)
    {}

    /// Takes bytes read from the connection; complete responses wait for next().
    void feed(const QByteArray &bytes);
    /// Takes the next complete response into *response. NeedMore when none is complete; Error
    /// once the input was malformed and every response completed before it was taken.
    Status next(ImapResponse *response);

    /// True when bytes of an incomplete response are buffered or complete responses wait:
    /// after a STARTTLS OK this means plaintext injected before the handshake (RFC 9051 §11.1,
    /// RFC 2595 §3.1).
    bool hasBufferedData() const;
    /// Octets buffered for the response being read (line pieces and literals).
    qint64 bufferedSize() const;
    /// True while the parser is inside a literal's octets.
    bool inLiteral() const { return m_literalLeft > 0; }
    /// Forgets everything buffered and clears the error state.
    void reset();

    /// Why the input was refused (empty before an error).
    QString errorString() const { return m_error; }
    /// At most 200 octets of the input that caused the error, for the protocol log.
    QByteArray offendingBytes() const { return m_offending; }

private:
    void fail(const QString &why, const QByteArray &bytes);
    /// A line piece ended (CRLF stripped): either it announces a literal or the response is
    /// complete.
    void endOfLine();
    void finishResponse();

    Limits m_limits;
    QByteArray m_line;            // the current line piece, up to its LF
    QList<QByteArray> m_pieces;   // completed line pieces of the current response
    QList<QByteArray> m_literals; // literal i follows piece i
    QByteArray m_literal;         // the literal being read
    qint64 m_literalLeft = 0;     // its octets still to come
    qint64 m_responseSize = 0;    // octets of the current response so far
    std::deque<ImapResponse> m_ready;
    QString m_error;
    QByteArray m_offending;
};

} // namespace outpost
