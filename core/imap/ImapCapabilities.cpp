#include "ImapCapabilities.h"

#include <algorithm>

namespace outpost {

ImapCapabilities ImapCapabilities::fromList(const QList<QByteArray> &atoms)
{
    ImapCapabilities c;
    for (const QByteArray &a : atoms) {
        if (!a.isEmpty())
            c.names.insert(a.toUpper());
    }
    return c;
}

QStringList ImapCapabilities::authMechanisms() const
{
    QStringList out;
    for (const QByteArray &n : names) {
        if (n.startsWith("AUTH=") && n.size() > 5)
            out << QString::fromLatin1(n.mid(5));
    }
    out.sort();
    return out;
}

QByteArray ImapCapabilities::describe() const
{
    QList<QByteArray> sorted(names.cbegin(), names.cend());
    std::sort(sorted.begin(), sorted.end());
    return sorted.join(' ');
}

} // namespace outpost
