#pragma once
// Reads a captured message (unstuffed DATA payload) the way the payload keys of the case
// format need it: raw top-level header fields, RFC 2047/2231 decoding and MIME structure
// through GMime, and the RFC 5322 / RFC 2047 form checks (msgid_ok, date_ok,
// encoded_words_ok).

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace outpost::testsupport {

/// One top-level header field as captured.
struct RawField
{
    QByteArray name;         ///< as written
    QByteArray value;        ///< after the colon, folding CRLFs kept
    QList<QByteArray> lines; ///< the physical lines (name line first), CRLF removed
    /// The value unfolded (RFC 5322 §2.2.3: CRLF before WSP removed) and trimmed.
    QByteArray unfolded() const;
};

/// A parsed captured message. Never throws; malformed input gives empty results.
class MessageInspector
{
public:
    explicit MessageInspector(const QByteArray &message);
    ~MessageInspector();
    MessageInspector(const MessageInspector &) = delete;
    MessageInspector &operator=(const MessageInspector &) = delete;

    /// The top-level header fields in order (up to the first empty line).
    const QList<RawField> &fields() const { return m_fields; }
    /// Number of top-level fields named `name` (case-insensitive).
    int headerCount(const QByteArray &name) const;
    /// The first field named `name`, unfolded and RFC 2047-decoded (GMime); nullopt if absent.
    std::optional<QString> headerDecoded(const QByteArray &name) const;
    /// The first text/plain part (not an attachment if there is another), transfer- and
    /// charset-decoded (GMime); nullopt if there is none.
    std::optional<QString> decodedBody() const;
    /// File names of the attachments in document order (RFC 2231, RFC 2047 fallback; GMime).
    QStringList attachmentNames() const;
    /// addr-specs of an address header (first field of that name), in order (GMime).
    QStringList addresses(const QByteArray &header) const;
    /// Decoded display names of an address header ("" for a bare address).
    QStringList displayNames(const QByteArray &header) const;
    /// The unfolded, trimmed Message-ID field value; empty if absent.
    QByteArray messageId() const;
    /// msgid_ok without the uniqueness part: exactly one Message-ID, `<left@right>` of
    /// RFC 5322 §3.6.4 (dot-atom-text or no-fold-literal), no white space. *why on failure.
    bool messageIdOk(QString *why) const;
    /// date_ok: exactly one Date of RFC 5322 §3.3 (English names, 2-digit time fields,
    /// numeric zone), weekday consistent, within toleranceSec of `reference` (if valid).
    bool dateOk(const QDateTime &reference, int toleranceSec, QString *why) const;
    /// The zone of the Date field as "+HHMM"/"-HHMM"; empty if none parses.
    QString dateZone() const;
    /// encoded_words_ok (README): every encoded-word in the top-level header is at most 75
    /// octets, decodes on its own to whole characters valid in its charset, sits on a line of
    /// at most 76 octets and is separated by white space where RFC 2047 §5 requires.
    bool encodedWordsOk(QString *why) const;

private:
    struct GMimeState;
    QByteArray m_data;
    QList<RawField> m_fields;
    std::unique_ptr<GMimeState> m_g;
};

} // namespace outpost::testsupport
