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

constexpr int kMaxEncodedWord = 75; // RFC 2047 §2

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

QByteArray encodeChunked(const QString &text, bool phrase)
{
    ensureGMime();
    const QByteArray whole = gmimeEncode(text.toUtf8(), phrase);
    if (longestEncodedWord(whole) <= kMaxEncodedWord)
        return whole;

    // Cut points lie inside whitespace-free words, between two code points, where the word
    // part on each side holds a non-ASCII character: GMime then ends the piece before the cut
    // with an encoded-word and starts the next piece with one, and the space that joins them
    // is dropped by decoders (RFC 2047 §6.2), so the text decodes unchanged.
    const qsizetype n = text.size();
    auto wordStart = [&](qsizetype p) {
        while (p > 0 && !isWs(text.at(p - 1)))
            --p;
        return p;
    };
    auto wordEnd = [&](qsizetype p) {
        while (p < n && !isWs(text.at(p)))
            ++p;
        return p;
    };
    auto validCut = [&](qsizetype p, qsizetype start) {
        if (p <= start || p >= n)
            return false;
        if (isWs(text.at(p - 1)) || isWs(text.at(p)) || text.at(p).isLowSurrogate())
            return false;
        const qsizetype ws = std::max(wordStart(p), start);
        const qsizetype we = wordEnd(p);
        return nonAscii(QStringView(text).mid(ws, p - ws)) &&
               nonAscii(QStringView(text).mid(p, we - p));
    };
    auto ok = [&](qsizetype from, qsizetype to) {
        return longestEncodedWord(gmimeEncode(text.mid(from, to - from).toUtf8(), phrase)) <=
               kMaxEncodedWord;
    };

    QList<QByteArray> pieces;
    qsizetype start = 0;
    while (start < n) {
        if (ok(start, n)) {
            pieces << gmimeEncode(text.mid(start).toUtf8(), phrase);
            break;
        }
        qsizetype best = -1;
        for (qsizetype p = start + 1; p < n; ++p) {
            if (!validCut(p, start))
                continue;
            if (ok(start, p)) {
                best = p;
            } else {
                if (best < 0)
                    best = p; // nothing shorter fits: best effort
                break;
            }
        }
        if (best < 0) {
            pieces << gmimeEncode(text.mid(start).toUtf8(), phrase);
            break;
        }
        pieces << gmimeEncode(text.mid(start, best - start).toUtf8(), phrase);
        start = best;
    }
    return pieces.join(' ');
}

} // namespace

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
