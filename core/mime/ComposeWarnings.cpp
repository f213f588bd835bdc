#include "ComposeWarnings.h"

#include "Address.h"
#include "smtp/Capabilities.h"

namespace outpost::mime {

ComposeWarnings composeWarnings(const QStringList &lastCapabilities, qint64 messageSize,
                                const QString &from, const QStringList &recipients)
{
    ComposeWarnings w;
    if (lastCapabilities.isEmpty())
        return w;
    // The remembered lines are EHLO keyword lines: parse them as the reply they came from.
    SmtpReply reply;
    reply.code = 250;
    reply.lines << QByteArrayLiteral("server");
    for (const QString &line : lastCapabilities)
        reply.lines << line.toLatin1();
    const Capabilities caps = Capabilities::fromEhloReply(reply);
    w.capabilitiesKnown = true;
    w.sizeLimit = caps.sizeLimit;
    w.tooLarge = caps.sizeLimit > 0 && messageSize > caps.sizeLimit;
    if (!caps.smtpUtf8) {
        QStringList all;
        if (!from.isEmpty())
            all << from;
        all << recipients;
        for (const QString &a : std::as_const(all))
            if (addressProblem(a).isEmpty() && needsSmtpUtf8(a) && !w.needSmtpUtf8.contains(a))
                w.needSmtpUtf8 << a;
    }
    return w;
}

} // namespace outpost::mime
