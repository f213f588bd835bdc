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

/// Normalises a message for the wire without appending an end marker: every bare CR or LF
/// becomes CRLF, a final CRLF is added when missing, and for WireForm::Data a dot at the
/// start of a line (the first one too) is doubled. A message that needs no change is
/// returned as it is, sharing its octets (no copy). *longestLine receives the longest line in
/// octets without its line end (before stuffing), *eightBit whether any octet is >= 0x80;
/// either may be null. Never fails; an empty message becomes "\r\n".
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
