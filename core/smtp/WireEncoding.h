#pragma once
// The message and log forms of octets on the SMTP wire: CRLF normalisation, dot-stuffing
// (RFC 5321 §4.5.2), the 8-bit scan (RFC 6152) and the printable form of protocol lines.

#include <QByteArray>
#include <QString>

namespace outpost {

/// Longest line SMTP allows, in octets without its CRLF (RFC 5321 §4.5.3.1.6).
inline constexpr qsizetype kMaxSmtpLineOctets = 998;

/// The two wire forms of a message body.
enum class WireForm
{
    Data, ///< after DATA: lines dot-stuffed (RFC 5321 §4.5.2)
    Bdat, ///< in BDAT chunks: octets as they are (RFC 3030 §2)
};

/// What the wire encoding of a whole message comes to, known before the message goes out:
/// SIZE= and the SIZE pre-check (RFC 1870), BODY=8BITMIME (RFC 6152), the 998-octet line
/// limit (RFC 5321 §4.5.3.1.6) and the exact octet counts of BDAT chunks (RFC 3030 §2).
struct WireShape
{
    qint64 octets = 0;         ///< the message as stored
    qint64 normalized = 0;     ///< the CRLF-normalised message (the BDAT form), final CRLF included
    qint64 dotsStuffed = 0;    ///< lines that start with '.': the DATA form is this much longer
    qsizetype longestLine = 0; ///< octets of the longest line, without its line end
    bool eightBit = false;     ///< some octet is >= 0x80

    /// Octets of the message in `form`, without DATA's end marker.
    qint64 wireOctets(WireForm form) const
    {
        return normalized + (form == WireForm::Data ? dotsStuffed : 0);
    }
};

/// The wire form of a message made piece by piece, so that a message never has to be whole
/// in memory: every bare CR or LF becomes CRLF (a CR at the end of one piece and an LF at the
/// start of the next are one CRLF), a final CRLF is added when missing, and for
/// WireForm::Data a dot at the start of a line (the first one too) is doubled (RFC 5321
/// §4.5.2). The state between pieces is carried here, so the output does not depend on where
/// the pieces are split. Never fails.
class WireEncoder
{
public:
    /// An encoder for `form`, at the start of a message.
    explicit WireEncoder(WireForm form)
        : m_form(form)
    {}
    /// Appends the wire form of the `size` octets at `data` (the next piece of the message) to
    /// *out; with a null `out` only counts (shape()).
    void encode(const char *data, qsizetype size, QByteArray *out);
    /// The message ended: appends the final CRLF when the last line has none (an empty
    /// message becomes CRLF). Call once, after the last encode().
    void finish(QByteArray *out);
    /// What the octets encoded so far come to; the whole message's after finish().
    WireShape shape() const;

private:
    void endLine();

    WireForm m_form;
    qint64 m_octets = 0;
    qint64 m_normalized = 0;
    qint64 m_dots = 0;
    qsizetype m_lineLength = 0;
    qsizetype m_longest = 0;
    bool m_atLineStart = true;
    bool m_skipLf = false; // the last octet was a CR, already written as CRLF: an LF next is its
    bool m_eightBit = false;
};

/// The shape of a message in memory (WireEncoder, counting only).
WireShape scanForWire(const QByteArray &message);

/// Normalises a whole message for the wire without appending an end marker (WireEncoder in one
/// piece). A message that needs no change is returned as it is, sharing its octets (no copy).
/// *longestLine receives the longest line in octets without its line end (before stuffing),
/// *eightBit whether any octet is >= 0x80; either may be null. An empty message becomes "\r\n".
QByteArray normalizeForWire(const QByteArray &message, WireForm form, qsizetype *longestLine,
                            bool *eightBit);

/// Prepares a message for DATA (RFC 5321 §4.5.2): normalizeForWire(WireForm::Data) followed
/// by the end marker ".\r\n". Out-parameters as there.
QByteArray encodeDataForSmtp(const QByteArray &message, qsizetype *longestLine = nullptr,
                             bool *eightBit = nullptr);
/// The same normalisation without dot-stuffing or end marker, for BDAT (RFC 3030):
/// normalizeForWire(WireForm::Bdat).
QByteArray normalizeForBdat(const QByteArray &message, qsizetype *longestLine = nullptr,
                            bool *eightBit = nullptr);

/// Protocol octets as one protocol-log line: printable ASCII as it is, well-formed UTF-8 of a
/// visible character as that character (an SMTPUTF8 address reads as typed), every other
/// octet (CR, LF, controls, C1 and bidirectional or other format characters, malformed UTF-8)
/// as "\xHH", so a log line never carries a line break or a terminal control.
QString printableWire(const QByteArray &bytes);

} // namespace outpost
