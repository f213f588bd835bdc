#include "ImapString.h"

#include <QStringDecoder>
#include <QStringEncoder>

namespace outpost {

bool imapCanQuote(const QByteArray &bytes)
{
    if (bytes.size() > 1024)
        return false;
    for (const char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f)
            return false;
    }
    return true;
}

QByteArray imapQuoted(const QByteArray &bytes)
{
    QByteArray q = bytes;
    q.replace('\\', "\\\\").replace('"', "\\\"");
    return '"' + q + '"';
}

QByteArray imapEncodeMailboxName(const QString &name)
{
    QByteArray out;
    QString run; // characters outside printable ASCII, encoded together
    auto flush = [&] {
        if (run.isEmpty())
            return;
        QStringEncoder utf16(QStringConverter::Utf16BE);
        const QByteArray raw = utf16(run);
        out += '&' + raw.toBase64(QByteArray::OmitTrailingEquals).replace('/', ',') + '-';
        run.clear();
    };
    for (const QChar ch : name) {
        const ushort u = ch.unicode();
        if (u >= 0x20 && u <= 0x7e) {
            flush();
            out += u == '&' ? QByteArray("&-") : QByteArray(1, char(u));
        } else {
            run += ch;
        }
    }
    flush();
    return out;
}

QString imapDecodeMailboxName(const QByteArray &name)
{
    QString out;
    qsizetype i = 0;
    while (i < name.size()) {
        const char c = name.at(i);
        if (static_cast<unsigned char>(c) >= 0x80)
            return QString::fromUtf8(name); // UTF8=ACCEPT names (RFC 6855) are UTF-8
        if (c != '&') {
            out += QLatin1Char(c);
            ++i;
            continue;
        }
        const qsizetype end = name.indexOf('-', i + 1);
        if (end < 0)
            return QString::fromLatin1(name);
        if (end == i + 1) {
            out += QLatin1Char('&');
        } else {
            QByteArray b64 = name.mid(i + 1, end - i - 1).replace(',', '/');
            const auto decoded = QByteArray::fromBase64Encoding(
                b64, QByteArray::AbortOnBase64DecodingErrors | QByteArray::OmitTrailingEquals);
            if (!decoded || decoded.decoded.size() % 2 != 0)
                return QString::fromLatin1(name);
            QStringDecoder utf16(QStringConverter::Utf16BE);
            out += utf16(decoded.decoded);
        }
        i = end + 1;
    }
    return out;
}

QByteArray imapDateTime(const QDateTime &when)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const QDate d = when.date();
    const QTime t = when.time();
    const int offset = when.offsetFromUtc() / 60;
    const int absOffset = offset < 0 ? -offset : offset;
    return QByteArray("\"") + QByteArray::number(d.day()).rightJustified(2, ' ') + '-' +
           months[d.month() - 1] + '-' + QByteArray::number(d.year()).rightJustified(4, '0') + ' ' +
           QByteArray::number(t.hour()).rightJustified(2, '0') + ':' +
           QByteArray::number(t.minute()).rightJustified(2, '0') + ':' +
           QByteArray::number(t.second()).rightJustified(2, '0') + ' ' + (offset < 0 ? '-' : '+') +
           QByteArray::number(absOffset / 60).rightJustified(2, '0') +
           QByteArray::number(absOffset % 60).rightJustified(2, '0') + '"';
}

} // namespace outpost
