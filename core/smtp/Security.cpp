#include "Security.h"

namespace outpost {

QString securityName(Security s)
{
    switch (s) {
    case Security::None:
        return QStringLiteral("none");
    case Security::StartTls:
        return QStringLiteral("starttls");
    case Security::Tls:
        return QStringLiteral("tls");
    }
    return {};
}

bool securityFromName(const QString &name, Security *out)
{
    const QString n = name.trimmed().toLower();
    if (n == QLatin1String("none") || n == QLatin1String("plain"))
        *out = Security::None;
    else if (n == QLatin1String("starttls"))
        *out = Security::StartTls;
    else if (n == QLatin1String("tls") || n == QLatin1String("implicit") ||
             n == QLatin1String("ssl"))
        *out = Security::Tls;
    else
        return false;
    return true;
}

} // namespace outpost
