#pragma once
// Delivery status notification requests (RFC 3461) and the xtext encodings they travel in.

#include <QByteArray>
#include <QByteArrayView>
#include <QMetaType>
#include <QString>

namespace outpost {

/// What a message asks of the servers on its way about delivery status notifications
/// (RFC 3461): NOTIFY for every recipient (§4.1), RET (§4.3) and ENVID (§4.4) for the
/// message. A default-constructed value requests nothing: no DSN parameter is sent and the
/// servers apply their own default (usually failure notices only).
struct DsnRequest
{
    /// NOTIFY values (RFC 3461 §4.1), combinable except Never.
    enum Notify : int
    {
        NotifyDefault = 0, ///< no NOTIFY parameter
        Success = 0x1,
        Failure = 0x2,
        Delay = 0x4,
        Never = 0x8, ///< alone only
    };
    /// RET values (RFC 3461 §4.3).
    enum class Ret
    {
        Default, ///< no RET parameter
        Full,    ///< return the whole message in a failure notice
        Hdrs,    ///< return the headers only
    };

    int notify = NotifyDefault; ///< OR of Notify values
    Ret ret = Ret::Default;
    QByteArray envid; ///< envelope identifier, printable ASCII, at most 100 octets; empty = none

    /// True when anything is asked (any of NOTIFY, RET, ENVID).
    bool isRequested() const
    {
        return notify != NotifyDefault || ret != Ret::Default || !envid.isEmpty();
    }
    bool operator==(const DsnRequest &o) const
    {
        return notify == o.notify && ret == o.ret && envid == o.envid;
    }
    bool operator!=(const DsnRequest &o) const { return !(*this == o); }
};

/// Why a DSN request (or one of its words) is not acceptable. The app makes words from it.
enum class DsnProblem
{
    None,
    NotifyEmpty,         ///< NOTIFY given with no value
    NotifyUnknown,       ///< a NOTIFY word other than never, success, failure, delay
    NotifyNeverCombined, ///< NEVER together with another value (RFC 3461 §4.1)
    RetUnknown,          ///< RET other than full or hdrs
    EnvidTooLong,        ///< ENVID longer than 100 characters (RFC 3461 §4.4)
    EnvidNotPrintable,   ///< ENVID with a character outside printable ASCII (0x20–0x7E)
};

/// Maximum ENVID length in characters (RFC 3461 §4.4).
constexpr int kDsnEnvidMax = 100;

/// Parses a NOTIFY list as the user writes it: "never", or any of "success", "failure",
/// "delay" separated by commas (case-insensitive, spaces around words ignored, repeats
/// allowed). On success sets *notify and returns DsnProblem::None; otherwise returns the
/// problem and, when given, *offending receives the word at fault.
DsnProblem parseDsnNotify(const QString &text, int *notify, QString *offending = nullptr);
/// Parses "full" or "hdrs" (case-insensitive).
DsnProblem parseDsnRet(const QString &text, DsnRequest::Ret *ret);
/// Checks an ENVID value: printable ASCII (0x20–0x7E), at most kDsnEnvidMax characters.
DsnProblem checkDsnEnvid(const QString &envid);
/// Checks a whole request (NOTIFY combination, ENVID).
DsnProblem checkDsnRequest(const DsnRequest &request);

/// The stable lower-case form of NOTIFY, as stored and shown: "never", or the values in
/// the order success, failure, delay joined by commas; "" for NotifyDefault.
QString dsnNotifyName(int notify);
/// "full", "hdrs", or "" for Ret::Default.
QString dsnRetName(DsnRequest::Ret ret);

/// xtext (RFC 3461 §4): every octet from "!" to "~" except "+" and "=" stands for itself;
/// any other octet (space, controls, "+", "=", octets >= 0x80) becomes "+" and two
/// upper-case hex digits.
QByteArray xtextEncode(QByteArrayView bytes);
/// The inverse of xtextEncode(). Returns false for malformed input ("+" not followed by two
/// upper-case hex digits, or an octet outside "!".."~").
bool xtextDecode(QByteArrayView xtext, QByteArray *out);
/// utf-8-addr-xtext (RFC 6533 §3): the UTF-8 address in pure ASCII; printable ASCII except
/// "+", "=" and "\" stands for itself, every other character becomes "\x{HEX}" (upper-case
/// hex of the Unicode scalar value, at least two digits). Safe in ORCPT whether or not
/// SMTPUTF8 is in use. Invalid UTF-8 octets are encoded as U+FFFD.
QByteArray utf8AddrXtextEncode(QByteArrayView utf8);
/// The ORCPT value for a forward-path address (RFC 3461 §4.2): "rfc822;" + xtext for an
/// all-ASCII address; for an address with non-ASCII characters (SMTPUTF8) the RFC 6533 §3
/// "utf-8;" address type in its utf-8-addr-xtext form.
QByteArray dsnOrcptValue(QByteArrayView address);

} // namespace outpost

Q_DECLARE_METATYPE(outpost::DsnRequest)
