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

/// CRLF normalisation (and dot-stuffing when Stuff) line by line with memchr: the runs of
/// octets that need no change (a whole CRLF message without leading dots is one run) are
/// copied in one append each: octet by octet, the normalisation took about 0.8 million
/// instructions per 10 KB message, a third of a flush's CPU. A message that
/// needs no change at all (what the composer writes) is returned as it is: QByteArray shares
/// its bytes, so the session holds no second copy of the message.
template <bool Stuff>
QByteArray normalize(const QByteArray &in, qsizetype *longestLine, bool *eightBit)
{
    QByteArray out;
    const char *const end = in.constData() + in.size();
    const char *run = in.constData(); // octets from here to the line start are copied as they are
    const char *ls = run;             // start of the current line
    const char *lf = nullptr;         // the next LF at or after ls (searched again when passed)
    qsizetype longest = 0;
    bool unterminated = false; // the input ends inside a line
    bool changed = false;      // out holds the result (else the input is the result)
    const auto copyRun = [&](const char *upto) {
        if (!changed) {
            out.reserve(in.size() + in.size() / 50 + 8);
            changed = true;
        }
        if (upto > run)
            out.append(run, upto - run);
    };
    while (ls < end) {
        if (Stuff && *ls == '.') {
            copyRun(ls);
            out.append('.');
            run = ls;
        }
        if (!lf || lf < ls)
            lf = static_cast<const char *>(std::memchr(ls, '\n', size_t(end - ls)));
        const char *const stop = lf ? lf : end;
        const char *const cr = static_cast<const char *>(std::memchr(ls, '\r', size_t(stop - ls)));
        if (cr && !(lf && cr + 1 == lf)) {
            // A bare CR ends the line: it becomes CRLF.
            longest = std::max<qsizetype>(longest, cr - ls);
            copyRun(cr);
            out.append("\r\n", 2);
            run = ls = cr + 1;
            continue;
        }
        if (!lf) {
            longest = std::max<qsizetype>(longest, end - ls);
            unterminated = true;
            break;
        }
        if (cr) { // CRLF: kept as it is
            longest = std::max<qsizetype>(longest, cr - ls);
        } else { // a bare LF becomes CRLF
            longest = std::max<qsizetype>(longest, lf - ls);
            copyRun(lf);
            out.append("\r\n", 2);
            run = lf + 1;
        }
        ls = lf + 1;
    }
    if (longestLine)
        *longestLine = longest;
    if (eightBit)
        *eightBit = anyEightBit(in.constData(), in.size());
    if (!changed && !unterminated && !in.isEmpty())
        return in;
    copyRun(end);
    if (unterminated || out.isEmpty())
        out.append("\r\n", 2);
    return out;
}

} // namespace

QByteArray normalizeForWire(const QByteArray &message, WireForm form, qsizetype *longestLine,
                            bool *eightBit)
{
    return form == WireForm::Data ? normalize<true>(message, longestLine, eightBit)
                                  : normalize<false>(message, longestLine, eightBit);
}

QByteArray encodeDataForSmtp(const QByteArray &message, qsizetype *longestLine, bool *eightBit)
{
    QByteArray out = normalize<true>(message, longestLine, eightBit);
    out.append(".\r\n", 3);
    return out;
}

QByteArray normalizeForBdat(const QByteArray &message, qsizetype *longestLine, bool *eightBit)
{
    return normalize<false>(message, longestLine, eightBit);
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
