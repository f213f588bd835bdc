#include "ImapResult.h"

namespace outpost {

namespace {
struct ClassName
{
    ImapErrorClass c;
    const char *name;
};
constexpr ClassName kNames[] = {
    {ImapErrorClass::None, ""},
    {ImapErrorClass::Refused, "refused"},
    {ImapErrorClass::Quota, "quota"},
    {ImapErrorClass::NoMailbox, "no-mailbox"},
    {ImapErrorClass::Unavailable, "unavailable"},
    {ImapErrorClass::Bad, "bad"},
    {ImapErrorClass::Network, "network"},
    {ImapErrorClass::Timeout, "timeout"},
    {ImapErrorClass::Tls, "tls"},
    {ImapErrorClass::Certificate, "certificate"},
    {ImapErrorClass::Auth, "auth"},
    {ImapErrorClass::Protocol, "protocol"},
    {ImapErrorClass::Local, "local"},
};
} // namespace

QString imapErrorClassName(ImapErrorClass c)
{
    for (const auto &n : kNames) {
        if (n.c == c)
            return QString::fromLatin1(n.name);
    }
    return {};
}

ImapErrorClass imapErrorClassFromName(const QString &name)
{
    for (const auto &n : kNames) {
        if (name == QLatin1String(n.name))
            return n.c;
    }
    return ImapErrorClass::None;
}

bool imapErrorIsTemporary(ImapErrorClass c)
{
    return c == ImapErrorClass::Unavailable || c == ImapErrorClass::Network ||
           c == ImapErrorClass::Timeout || c == ImapErrorClass::Protocol;
}

ImapResult ImapResult::success(const ImapResponse &response)
{
    ImapResult r;
    r.status = response.status;
    r.code = response.code;
    r.codeData = response.codeData;
    r.text = QString::fromUtf8(response.text);
    return r;
}

ImapResult ImapResult::failure(ImapErrorClass c, const QString &detail,
                               const ImapResponse *response)
{
    ImapResult r = response ? success(*response) : ImapResult();
    r.errorClass = c;
    r.detail = detail;
    return r;
}

ImapResult ImapResult::fromTagged(const ImapResponse &response)
{
    switch (response.status) {
    case ImapStatus::Ok:
        return success(response);
    case ImapStatus::Bad:
        return failure(ImapErrorClass::Bad, QStringLiteral("the server refused the command (BAD)"),
                       &response);
    case ImapStatus::No:
        break;
    default:
        return failure(ImapErrorClass::Protocol, QStringLiteral("unexpected status"), &response);
    }
    const QByteArray &c = response.code;
    ImapErrorClass cls = ImapErrorClass::Refused;
    if (c == "OVERQUOTA" || c == "LIMIT")
        cls = ImapErrorClass::Quota;
    else if (c == "TRYCREATE" || c == "NONEXISTENT")
        cls = ImapErrorClass::NoMailbox;
    else if (c == "UNAVAILABLE" || c == "INUSE" || c == "SERVERBUG")
        cls = ImapErrorClass::Unavailable;
    return failure(cls, QStringLiteral("the server refused the command (NO)"), &response);
}

bool ImapMailbox::hasAttribute(const QByteArray &attribute) const
{
    for (const QByteArray &a : attributes) {
        if (a.compare(attribute, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

bool ImapMailbox::isSelectable() const
{
    return !hasAttribute("\\Noselect") && !hasAttribute("\\NonExistent");
}

} // namespace outpost
