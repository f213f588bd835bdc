#include "Mailto.h"

namespace outpost::ui {

namespace {

QString decode(const QString &part)
{
    return QUrl::fromPercentEncoding(part.toLatin1());
}

// Splits an address list at commas (RFC 6068 §2: addr-spec *("," addr-spec)), decodes each.
QStringList addresses(const QString &encoded)
{
    QStringList out;
    for (const QString &a : encoded.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString d = decode(a).trimmed();
        if (!d.isEmpty())
            out << d;
    }
    return out;
}

} // namespace

MailtoFields parseMailto(const QUrl &url)
{
    MailtoFields f;
    if (url.scheme().compare(QLatin1String("mailto"), Qt::CaseInsensitive) != 0)
        return f;
    f.valid = true;
    f.to = addresses(url.path(QUrl::FullyEncoded));
    const QString query = url.query(QUrl::FullyEncoded);
    for (const QString &pair : query.split(QLatin1Char('&'), Qt::SkipEmptyParts)) {
        const qsizetype eq = pair.indexOf(QLatin1Char('='));
        const QString name = decode(eq < 0 ? pair : pair.left(eq)).toLower();
        const QString value = eq < 0 ? QString() : pair.mid(eq + 1);
        if (name == QLatin1String("to"))
            f.to += addresses(value);
        else if (name == QLatin1String("cc"))
            f.cc += addresses(value);
        else if (name == QLatin1String("bcc"))
            f.bcc += addresses(value);
        else if (name == QLatin1String("subject"))
            f.subject = decode(value);
        else if (name == QLatin1String("body"))
            f.body = decode(value).replace(QLatin1String("\r\n"), QLatin1String("\n"));
        else if (name == QLatin1String("in-reply-to"))
            f.inReplyTo = decode(value);
    }
    return f;
}

} // namespace outpost::ui
