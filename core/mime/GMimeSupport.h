#pragma once
// Internal helpers around GMime 3.2 shared by the composer and the importer (not public API).

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <memory>

namespace outpost::mime::detail {

/// Initialises GMime once per process (thread-safe); call before any GMime function.
void ensureGMime();

/// Unrefs a GObject when the owning pointer goes.
struct GObjectDeleter
{
    void operator()(void *p) const;
};
template <class T> using GRef = std::unique_ptr<T, GObjectDeleter>;

/// RFC 2047 encoding of unstructured text (Subject) with GMime's encoder, split into chunks
/// where GMime would make an encoded-word longer than 75 octets (GMime 3.2 limits a word by
/// characters, not octets: 24 emoji became one 130-octet encoded-word). Never splits inside a
/// UTF-8 sequence. Returns the unfolded, ASCII value.
QByteArray encodeText(const QString &text);

/// Like encodeText() for a display name (RFC 5322 phrase: quoted-strings where needed).
QByteArray encodePhrase(const QString &phrase);

/// RFC 2231 parameter `name` (e.g. "filename") for a non-ASCII value, as continuation sections
/// `name*0*=UTF-8''...`, `name*1*=...` that each hold whole characters, percent-encoded by
/// GMime section by section. GMime 3.2 itself cuts sections inside UTF-8 sequences (%C3;%BC),
/// which decoders that decode each section (Python's email) turn into defects. Returns the
/// sections, in order, each `name*N*=value` (ASCII), or an empty list when the value fits in
/// one section (GMime's own form is then fine).
QList<QByteArray> rfc2231Sections(const QByteArray &name, const QString &value);

/// The longest encoded-word (RFC 2047 §2) in `value`, in octets; 0 when there is none.
int longestEncodedWord(const QByteArray &value);

/// One header field `Name: value` CRLF, folded (RFC 5322 §2.2.3) before whitespace so that
/// lines stay within 76 octets where the value allows it. With `structured`, whitespace inside
/// quoted-strings is never a fold point. `value` must hold no CR or LF.
QByteArray foldField(const QByteArray &name, const QByteArray &value, bool structured);

/// RFC 5322 §3.3 date-time with English names and the numeric offset of `dt`, via GMime.
QByteArray formatDate(const QDateTime &dt);

/// A fresh unique Message-ID (without <>) in `domain`, from GMime.
QByteArray generateMessageId(const QByteArray &domain);

} // namespace outpost::mime::detail
