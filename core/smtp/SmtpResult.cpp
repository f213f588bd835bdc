#include "SmtpResult.h"

#include <algorithm>

namespace outpost {

namespace {
struct ClassName
{
    ErrorClass c;
    const char *name;
};
constexpr ClassName kNames[] = {
    {ErrorClass::None, ""},
    {ErrorClass::Transient, "transient"},
    {ErrorClass::Permanent, "permanent"},
    {ErrorClass::Network, "network"},
    {ErrorClass::Timeout, "timeout"},
    {ErrorClass::Tls, "tls"},
    {ErrorClass::Certificate, "certificate"},
    {ErrorClass::Auth, "auth"},
    {ErrorClass::Protocol, "protocol"},
    {ErrorClass::Local, "local"},
    {ErrorClass::Credentials, "credentials"},
    {ErrorClass::Storage, "storage"},
    {ErrorClass::SignIn, "sign-in"},
};
} // namespace

QString errorClassName(ErrorClass c)
{
    for (const auto &n : kNames) {
        if (n.c == c)
            return QString::fromLatin1(n.name);
    }
    return {};
}

ErrorClass errorClassFromName(const QString &name)
{
    for (const auto &n : kNames) {
        if (name == QLatin1String(n.name))
            return n.c;
    }
    return ErrorClass::None;
}

SmtpReply recipientNeedsSmtpUtf8()
{
    SmtpReply r;
    r.enhanced = QByteArrayLiteral("5.6.7");
    return r;
}

bool isSmtpUtf8Refusal(const SmtpReply &r)
{
    return r.code == 0 && r.enhanced == "5.6.7";
}

QString SmtpReply::boundedText(int maxOctets) const
{
    qsizetype octets = 0;
    for (const QByteArray &l : lines)
        octets += l.size() + 1;
    if (octets <= maxOctets + 1)
        return text();
    QByteArray joined;
    for (const QByteArray &l : lines) {
        if (!joined.isEmpty())
            joined += ' ';
        joined += l;
        if (joined.size() > maxOctets)
            break;
    }
    qsizetype cut = std::min<qsizetype>(maxOctets, joined.size());
    while (cut > 0 && (static_cast<unsigned char>(joined[cut]) & 0xc0) == 0x80)
        --cut; // not inside a UTF-8 sequence
    return QString::fromUtf8(joined.left(cut)) +
           QStringLiteral(" [\u2026 %1 octets in %2 lines]").arg(octets - 1).arg(lines.size());
}

QString SmtpReply::text() const
{
    QByteArray joined;
    for (const QByteArray &l : lines) {
        if (!joined.isEmpty())
            joined += ' ';
        joined += l;
    }
    return QString::fromUtf8(joined);
}

SmtpResult SmtpResult::fromReply(const SmtpReply &r)
{
    if (r.isPositive())
        return success(r);
    if (r.isTransient())
        return failure(ErrorClass::Transient, {}, r);
    if (r.isPermanent())
        return failure(ErrorClass::Permanent, {}, r);
    return failure(ErrorClass::Protocol, QStringLiteral("unexpected reply code %1").arg(r.code), r);
}

} // namespace outpost
