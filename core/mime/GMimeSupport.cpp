#include "GMimeSupport.h"

#include <QRegularExpression>
#include <QTimeZone>

#include "GMimeInclude.h"

#include <mutex>

namespace outpost::mime::detail {

void ensureGMime()
{
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

void GObjectDeleter::operator()(void *p) const
{
    if (p)
        g_object_unref(p);
}

namespace {

QByteArray gmimeEncode(const QByteArray &utf8, bool phrase)
{
    char *out = phrase ? g_mime_utils_header_encode_phrase(nullptr, utf8.constData(), "UTF-8")
                       : g_mime_utils_header_encode_text(nullptr, utf8.constData(), "UTF-8");
    QByteArray result(out ? out : "");
    g_free(out);
    return result;
}

// RFC 2047 §2 allows 75 octets; 66 keeps `Reply-To: ` + one encoded-word within 76 octets.
constexpr int kMaxEncodedWord = 66;

bool isWs(QChar c)
{
    return c == u' ' || c == u'\t';
}

bool nonAscii(QStringView s)
{
    for (QChar c : s)
        if (c.unicode() > 0x7f)
            return true;
    return false;
}

/// GMime 3.2.13 decodes adjacent B encoded-words of one charset as one base64 stream: the
/// octets of every word after one that ends in '=' padding are lost. A value is usable when
/// no encoded-word is too long and GMime's own decoder gives `text` back.
bool decodesBack(const QByteArray &encoded, const QString &text, bool phrase)
{
    char *d = phrase ? g_mime_utils_header_decode_phrase(nullptr, encoded.constData())
                     : g_mime_utils_header_decode_text(nullptr, encoded.constData());
    if (d && phrase)
        g_mime_utils_unquote_string(d); // quoted-strings of the phrase
    const QString decoded = QString::fromUtf8(d ? d : "");
    g_free(d);
    return decoded == text.trimmed();
}

/// The last encoded-word of `encoded` ends with base64 padding.
bool endsPadded(const QByteArray &encoded)
{
    return encoded.endsWith("=?=") && !encoded.endsWith("?=?=");
}

QByteArray encodeChunked(const QString &text, bool phrase)
{
    ensureGMime();
    const QByteArray whole = gmimeEncode(text.toUtf8(), phrase);
    if (longestEncodedWord(whole) <= kMaxEncodedWord && decodesBack(whole, text, phrase))
        return whole;

    // The text is cut into pieces, each encoded by GMime on its own. Two kinds of cut:
    // - an encoded cut inside a whitespace-free word, between two code points, taken only
    //   where GMime ends the piece before it with an encoded-word and starts the next piece
    //   with one, so the single space that joins them is dropped by decoders (RFC 2047 §6.2);
    //   a piece followed by another must then not end in base64 padding (see decodesBack());
    // - a plain cut at whitespace after a piece that GMime ends with a plain word: the
    //   pieces are joined by that whitespace, which decoders keep.
    // Each piece is looked for among the next kWindow code units only, and inside a
    // whitespace-free stretch the search stops once the encoded-word grows too long, so the
    // work is linear in the length of the text.
    constexpr qsizetype kWindow = 400;
    const qsizetype n = text.size();
    auto validCut = [&](qsizetype p, qsizetype start) {
        if (p <= start || p >= n)
            return false;
        return !isWs(text.at(p - 1)) && !isWs(text.at(p)) && !text.at(p).isLowSurrogate();
    };
    enum class End
    {
        Any,
        Encoded,
        Plain
    };
    // strict: also readable by GMime's own decoder; else only RFC 2047 correct
    auto tryPiece = [&](qsizetype from, qsizetype to, bool afterEncodedCut, End end, bool strict,
                        QByteArray *enc, bool *tooLong) {
        const QString piece = text.mid(from, to - from);
        *enc = gmimeEncode(piece.toUtf8(), phrase);
        *tooLong = longestEncodedWord(*enc) > kMaxEncodedWord;
        if (*tooLong || (afterEncodedCut && !enc->startsWith("=?")) ||
            (end == End::Encoded && !enc->endsWith("?=")) ||
            (end == End::Plain && (enc->isEmpty() || enc->endsWith("?="))))
            return false;
        return !strict ||
               (decodesBack(*enc, piece, phrase) && (end != End::Encoded || !endsPadded(*enc)));
    };

    // GMime writes the first word of text[p, ...) as an encoded-word: decided from that word
    // alone (at most 120 code units of it), as GMime merges plain words only into an
    // encoded-word before them, never after.
    auto nextStartsEncoded = [&](qsizetype p) {
        qsizetype end = p;
        while (end < n && end - p < 120 && !isWs(text.at(end)))
            ++end;
        if (end < n && text.at(end).isLowSurrogate())
            ++end;
        return gmimeEncode(text.mid(p, end - p).toUtf8(), phrase).startsWith("=?");
    };
    struct Candidate
    {
        qsizetype cut;
        bool plain;
        QByteArray enc;
    };

    QByteArray out;
    qsizetype start = 0;
    bool afterEncodedCut = false;
    while (start < n) {
        QByteArray enc;
        bool tooLong = false;
        if (n - start <= kWindow &&
            tryPiece(start, n, afterEncodedCut, End::Any, true, &enc, &tooLong)) {
            out += enc;
            break;
        }
        const qsizetype limit = std::min(n, start + kWindow);
        qsizetype best = -1;
        bool bestPlain = false;
        QByteArray bestEnc;
        for (const bool strict : {true, false}) {
            QList<Candidate> candidates;
            bool spaceSeen = false;
            for (qsizetype p = start + 1; p < limit; ++p) {
                spaceSeen = spaceSeen || isWs(text.at(p - 1));
                if (validCut(p, start)) {
                    if (tryPiece(start, p, afterEncodedCut, End::Encoded, strict, &enc, &tooLong))
                        candidates.append({p, false, enc});
                    else if (tooLong && !spaceSeen && !candidates.isEmpty())
                        break; // one word only grows from here
                } else if (!isWs(text.at(p - 1)) && isWs(text.at(p))) {
                    if (tryPiece(start, p, afterEncodedCut, End::Plain, strict, &enc, &tooLong))
                        candidates.append({p, true, enc});
                }
            }
            // the longest piece after which the text can go on: an encoded cut needs the next
            // piece to start with an encoded-word too
            for (qsizetype i = candidates.size() - 1; i >= 0 && best < 0; --i) {
                const Candidate &c = candidates.at(i);
                if (c.plain || nextStartsEncoded(c.cut)) {
                    best = c.cut;
                    bestPlain = c.plain;
                    bestEnc = c.enc;
                }
            }
            if (best >= 0)
                break;
        }
        if (best < 0) { // no cut fits: the rest as GMime makes it
            out += gmimeEncode(text.mid(start).toUtf8(), phrase);
            break;
        }
        out += bestEnc;
        if (bestPlain) {
            qsizetype next = best;
            while (next < n && isWs(text.at(next)))
                ++next;
            if (next < n)
                out += text.mid(best, next - best).toLatin1();
            start = next;
            afterEncodedCut = false;
        } else {
            out += ' ';
            start = best;
            afterEncodedCut = true;
        }
    }
    return out;
}

/// GMime's RFC 2231 form of one parameter value in UTF-8: the part after `*=UTF-8''`, or ""
/// when GMime did not produce a single extended section.
QByteArray gmimeParamSection(const QString &value)
{
    GMimeFormatOptions *options = g_mime_format_options_new();
    g_mime_format_options_set_param_encoding_method(options, GMIME_PARAM_ENCODING_METHOD_RFC2231);
    GMimeParamList *list = g_mime_param_list_new();
    g_mime_param_list_set_parameter(list, "p", value.toUtf8().constData());
    GMimeParam *param = g_mime_param_list_get_parameter(list, "p");
    g_mime_param_set_charset(param, "UTF-8");
    g_mime_param_set_encoding_method(param, GMIME_PARAM_ENCODING_METHOD_RFC2231);
    GString *out = g_string_new("");
    g_mime_param_list_encode(list, options, FALSE, out);
    const QByteArray encoded(out->str, qsizetype(out->len));
    g_string_free(out, TRUE);
    g_object_unref(list);
    g_mime_format_options_free(options);
    static const QByteArray prefix = QByteArrayLiteral("; p*=UTF-8''");
    if (!encoded.startsWith(prefix))
        return {};
    return encoded.mid(prefix.size());
}

} // namespace

QList<QByteArray> rfc2231Sections(const QByteArray &name, const QString &value)
{
    ensureGMime();
    constexpr int kMaxSection = 60; // percent-encoded octets per section line
    if (!nonAscii(value))
        return {};
    const QByteArray whole = gmimeParamSection(value);
    if (!whole.isEmpty() && whole.size() <= kMaxSection)
        return {};
    // Sections hold whole code points; each holds a non-ASCII one so that GMime encodes it.
    const qsizetype n = value.size();
    QList<QByteArray> sections;
    qsizetype start = 0;
    while (start < n) {
        qsizetype best = -1;
        for (qsizetype p = start + 1; p <= n; ++p) {
            if (p < n && value.at(p).isLowSurrogate())
                continue;
            const QStringView piece = QStringView(value).mid(start, p - start);
            if (!nonAscii(piece))
                continue;
            if (p < n && !nonAscii(QStringView(value).mid(p)))
                continue; // the rest would be an ASCII-only section: keep it with this one
            const QByteArray enc = gmimeParamSection(piece.toString());
            if (enc.isEmpty())
                return {};
            if (enc.size() > kMaxSection) {
                if (best < 0)
                    best = p;
                break;
            }
            best = p;
        }
        if (best < 0)
            return {};
        const QByteArray enc = gmimeParamSection(value.mid(start, best - start));
        const QByteArray index = QByteArray::number(sections.size());
        if (sections.isEmpty())
            sections << name + '*' + index + "*=UTF-8''" + enc;
        else
            sections << name + '*' + index + "*=" + enc;
        start = best;
    }
    return sections;
}

QByteArray encodeText(const QString &text)
{
    return encodeChunked(text, false);
}

QByteArray encodePhrase(const QString &phrase)
{
    return encodeChunked(phrase, true);
}

int longestEncodedWord(const QByteArray &value)
{
    static const QRegularExpression re(QStringLiteral("=\\?[^?\\s]+\\?[bBqQ]\\?[^?\\s]*\\?="));
    int longest = 0;
    const QString s = QString::fromLatin1(value);
    auto it = re.globalMatch(s);
    while (it.hasNext())
        longest = std::max(longest, int(it.next().capturedLength()));
    return longest;
}

QByteArray foldField(const QByteArray &name, const QByteArray &value, bool structured)
{
    constexpr int kMaxLine = 76;
    // pieces: the value split before each run of whitespace (outside quotes if structured)
    QList<QByteArray> pieces;
    qsizetype from = 0;
    bool inQuote = false;
    for (qsizetype i = 0; i < value.size(); ++i) {
        const char c = value.at(i);
        if (structured && inQuote) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inQuote = false;
            continue;
        }
        if (structured && c == '"') {
            inQuote = true;
            continue;
        }
        if ((c == ' ' || c == '\t') && i > 0 && value.at(i - 1) != ' ' && value.at(i - 1) != '\t') {
            // fold only where a non-space follows the whitespace run
            qsizetype j = i;
            while (j < value.size() && (value.at(j) == ' ' || value.at(j) == '\t'))
                ++j;
            if (j < value.size()) {
                pieces << value.mid(from, i - from);
                from = i;
            }
        }
    }
    pieces << value.mid(from);

    QByteArray out = name + ':';
    QByteArray line = out;
    if (!value.isEmpty())
        line += ' ';
    bool first = true;
    out.clear();
    for (const QByteArray &piece : std::as_const(pieces)) {
        if (!first && line.size() + piece.size() > kMaxLine) {
            out += line + "\r\n";
            line = piece; // starts with whitespace
        } else {
            line += piece;
        }
        first = false;
    }
    out += line + "\r\n";
    return out;
}

QByteArray formatDate(const QDateTime &dt)
{
    ensureGMime();
    const QDateTime local = dt.toOffsetFromUtc(dt.offsetFromUtc());
    GTimeZone *tz = g_time_zone_new_offset(local.offsetFromUtc());
    const QDate d = local.date();
    const QTime t = local.time();
    GDateTime *g =
        g_date_time_new(tz, d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second());
    g_time_zone_unref(tz);
    QByteArray result;
    if (g) {
        char *s = g_mime_utils_header_format_date(g);
        result = s;
        g_free(s);
        g_date_time_unref(g);
    }
    return result;
}

QByteArray generateMessageId(const QByteArray &domain)
{
    ensureGMime();
    char *id = g_mime_utils_generate_message_id(domain.isEmpty() ? "localhost.localdomain"
                                                                 : domain.constData());
    QByteArray result(id);
    g_free(id);
    return result;
}

} // namespace outpost::mime::detail
