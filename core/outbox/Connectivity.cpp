#include "Connectivity.h"

#include <QNetworkInformation>

namespace outpost {

Connectivity::Connectivity(QObject *parent)
    : QObject(parent)
{}

bool Connectivity::useSystemBackend()
{
    if (!QNetworkInformation::loadBackendByFeatures(QNetworkInformation::Feature::Reachability))
        return false;
    auto *info = QNetworkInformation::instance();
    auto read = [this, info] {
        switch (info->reachability()) {
        case QNetworkInformation::Reachability::Disconnected:
            m_system = Reachability::Offline;
            break;
        case QNetworkInformation::Reachability::Online:
        case QNetworkInformation::Reachability::Site:
        case QNetworkInformation::Reachability::Local:
            m_system = Reachability::Online;
            break;
        default:
            m_system = Reachability::Unknown;
        }
        update();
    };
    connect(info, &QNetworkInformation::reachabilityChanged, this, read);
    read();
    return true;
}

void Connectivity::setOverride(Reachability r)
{
    m_override = r;
    update();
}

void Connectivity::setWorkOffline(bool on)
{
    m_workOffline = on;
    update();
}

Connectivity::Reachability Connectivity::reachability() const
{
    return m_override != Reachability::Unknown ? m_override : m_system;
}

void Connectivity::update()
{
    const bool can = canSend();
    const bool cameOnline = can && !m_couldSend;
    m_couldSend = can;
    emit changed(cameOnline);
}

} // namespace outpost
