#include "WireEncoding.h"

#include <algorithm>
#include <cstring>

namespace outpost {

namespace {

/// True when any octet of [p, p + n) is >= 0x80; eight octets at a time.
bool anyEightBit(const char *p, qsizetype n)
{
    constexpr quint64 kHigh = 0x8080808080808080ULL;
    quint64 acc = 0;
    qsizetype i = 0;
    for (; i + 32 <= n; i += 32) {
        quint64 w[4];
        std::memcpy(w, p + i, sizeof w);
        acc |= w[0] | w[1] | w[2] | w[3];
        if (acc & kHigh)
            return true;
    }
    for (; i + 8 <= n; i += 8) {
        quint64 w;
        std::memcpy(&w, p + i, sizeof w);
        acc |= w;
    }
    if (acc & kHigh)
        return true;
    for (; i < n; ++i) {
        if (static_cast<unsigned char>(p[i]) >= 0x80)
            return true;
    }
    return false;
}

} // namespace

void WireEncoder::endLine()
{
    m_longest = std::max(m_longest, m_lineLength);
    m_lineLength = 0;
    m_atLineStart = true;
}

// Line by line with memchr: the runs of octets that need no change (a whole CRLF piece without
// leading dots is one run) are appended in one go each; octet by octet, normalisation took
// about 0.8 million instructions per 10 KB message, a third of a flush's CPU.
void WireEncoder::encode(const char *data, qsizetype size, QByteArray *out)
{
    const char *p = data;
    const char *const end = data + size;
    const auto put = [&](const char *from, qsizetype n) {
        if (out && n > 0)
            out->append(from, n);
        m_normalized += n;
    };
    m_octets += size;
    if (p < end && m_skipLf) {
        m_skipLf = false;
        if (*p == '\n')
            ++p; // the LF of a CRLF split between two pieces: written with the CR
    }
    m_eightBit = m_eightBit || anyEightBit(p, end - p);
    const char *lf = nullptr; // the next LF at or after p; searched again once passed
    bool lfSearched = false;
    while (p < end) {
        if (m_atLineStart) {
            m_atLineStart = false;
            if (*p == '.') {
                ++m_dots;
                if (m_form == WireForm::Data && out)
                    out->append('.');
            }
        }
        if (!lfSearched || (lf && lf < p)) {
            lf = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p)));
            lfSearched = true;
        }
        const char *const stop = lf ? lf : end;
        const char *const cr = static_cast<const char *>(std::memchr(p, '\r', size_t(stop - p)));
        const char *const lineEnd = cr ? cr : lf;
        if (!lineEnd) {
            m_lineLength += end - p;
            put(p, end - p);
            break;
        }
        m_lineLength += lineEnd - p;
        if (cr && cr + 1 == lf) {
            put(p, lf + 1 - p); // CRLF: kept as it is, with the line
            p = lf + 1;
        } else {
            put(p, lineEnd - p); // a bare CR or LF becomes CRLF
            put("\r\n", 2);
            p = lineEnd + 1;
            if (cr && p == end)
                m_skipLf = true; // its LF may start the next piece
        }
        endLine();
    }
}

void WireEncoder::finish(QByteArray *out)
{
    if (!m_atLineStart || m_normalized == 0) {
        if (out)
            out->append("\r\n", 2);
        m_normalized += 2;
        endLine();
    }
    m_skipLf = false;
}

WireShape WireEncoder::shape() const
{
    WireShape s;
    s.octets = m_octets;
    s.normalized = m_normalized;
    s.dotsStuffed = m_dots;
    s.longestLine = std::max(m_longest, m_lineLength);
    s.eightBit = m_eightBit;
    return s;
}

WireShape scanForWire(const QByteArray &message)
{
    WireEncoder e(WireForm::Data);
    e.encode(message.constData(), message.size(), nullptr);
    e.finish(nullptr);
    return e.shape();
}

QByteArray normalizeForWire(const QByteArray &message, WireForm form, qsizetype *longestLine,
                            bool *eightBit)
{
    WireEncoder e(form);
    QByteArray out;
    out.reserve(message.size() + message.size() / 50 + 8);
    e.encode(message.constData(), message.size(), &out);
    e.finish(&out);
    const WireShape s = e.shape();
    if (longestLine)
        *longestLine = s.longestLine;
    if (eightBit)
        *eightBit = s.eightBit;
    // The encoding only ever adds octets: the same length means the same octets.
    return out.size() == message.size() ? message : out;
}

QByteArray encodeDataForSmtp(const QByteArray &message, qsizetype *longestLine, bool *eightBit)
{
    QByteArray out = normalizeForWire(message, WireForm::Data, longestLine, eightBit);
    out.append(".\r\n", 3);
    return out;
}

QByteArray normalizeForBdat(const QByteArray &message, qsizetype *longestLine, bool *eightBit)
{
    return normalizeForWire(message, WireForm::Bdat, longestLine, eightBit);
}

QString printableWire(const QByteArray &bytes)
{
    // Almost every protocol line is printable ASCII: one conversion, no per-octet appends.
    if (std::all_of(bytes.cbegin(), bytes.cend(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u >= 0x20 && u < 0x7f;
        }))
        return QString::fromLatin1(bytes);
    QString s;
    auto escape = [&s](unsigned char u) {
        s += QStringLiteral("\\x%1").arg(u, 2, 16, QLatin1Char('0'));
    };
    for (qsizetype i = 0; i < bytes.size();) {
        const auto u = static_cast<unsigned char>(bytes[i]);
        if (u >= 0x20 && u < 0x7f) {
            s += QLatin1Char(char(u));
            ++i;
            continue;
        }
        // UTF-8 (an SMTPUTF8 address, a server's words) shows as its characters; anything that
        // is no well-formed sequence of a visible character stays escaped, octet by octet:
        // C1 controls and bidirectional or other format characters included.
        const int length = u >= 0xf0 && u < 0xf5   ? 4
                           : u >= 0xe0             ? 3
                           : u >= 0xc2 && u < 0xe0 ? 2
                                                   : 0;
        if (length > 0 && i + length <= bytes.size()) {
            const QString ch = QString::fromUtf8(bytes.constData() + i, length);
            const bool wellFormed = !ch.isEmpty() && !ch.contains(QChar::ReplacementCharacter) &&
                                    ch.toUtf8() == QByteArray(bytes.constData() + i, length);
            const char32_t cp = ch.isEmpty() ? 0
                                : ch.front().isHighSurrogate() && ch.size() > 1
                                    ? QChar::surrogateToUcs4(ch.at(0), ch.at(1))
                                    : ch.front().unicode();
            const auto category = QChar::category(cp);
            if (wellFormed && category != QChar::Other_Control && category != QChar::Other_Format &&
                category != QChar::Other_NotAssigned && category != QChar::Separator_Line &&
                category != QChar::Separator_Paragraph) {
                s += ch;
                i += length;
                continue;
            }
        }
        escape(u);
        ++i;
    }
    return s;
}

} // namespace outpost
