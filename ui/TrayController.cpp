#include "TrayController.h"

#include "MainWindow.h"
#include "Words.h"
#include "accounts/AccountStore.h"
#include "outbox/Connectivity.h"
#include "outbox/Dispatcher.h"
#include "outbox/Service.h"
#include "storage/Storage.h"

#include <QAction>
#include <QMenu>
#include <QSystemTrayIcon>

namespace outpost::ui {

namespace {
std::optional<bool> g_availableOverride;
}

bool TrayController::isAvailable()
{
    if (g_availableOverride)
        return *g_availableOverride;
    return QSystemTrayIcon::isSystemTrayAvailable();
}

void TrayController::setAvailableOverride(std::optional<bool> available)
{
    g_availableOverride = available;
}

TrayController::TrayController(Service *service, MainWindow *window, QObject *parent)
    : QObject(parent)
    , m_service(service)
    , m_window(window)
    , m_menu(new QMenu)
    , m_show(new QAction(tr("&Show Outpost"), this))
    , m_compose(new QAction(Icons::app(), tr("&Compose…"), this))
    , m_pause(new QAction(tr("&Pause sending"), this))
{
    m_menu->setAccessibleName(tr("Outpost"));
    m_pause->setCheckable(true);
    m_pause->setToolTip(
        tr("Stop starting new messages until switched off; messages on their way finish"));
    m_menu->addAction(m_show);
    m_menu->addAction(m_compose);
    m_menu->addSeparator();
    m_menu->addAction(window->sendNowAction());
    m_menu->addAction(window->workOfflineAction());
    m_menu->addAction(m_pause);
    m_menu->addSeparator();
    m_menu->addAction(window->quitAction());

    connect(m_show, &QAction::triggered, this, &TrayController::showRequested);
    connect(m_compose, &QAction::triggered, this, &TrayController::composeRequested);
    connect(m_pause, &QAction::toggled, this, [this](bool on) {
        if (on)
            m_service->dispatcher()->stop();
        else
            m_service->dispatcher()->start();
        refresh();
    });

    m_busy = service->isBusy();
    connect(service, &Service::activityChanged, this, [this](bool busy) {
        m_busy = busy;
        refresh();
    });
    connect(service->connectivity(), &Connectivity::changed, this, &TrayController::refresh);
    connect(service->accounts(), &AccountStore::changed, this, &TrayController::scheduleRefresh);
    connect(service->outbox(), &OutboxReader::messageChanged, this,
            &TrayController::scheduleRefresh);
    connect(service->outbox(), &OutboxReader::messagesReset, this,
            &TrayController::scheduleRefresh);
    m_refresh.setSingleShot(true);
    m_refresh.setInterval(200);
    connect(&m_refresh, &QTimer::timeout, this, &TrayController::refresh);
    m_periodic.setInterval(15000);
    connect(&m_periodic, &QTimer::timeout, this, &TrayController::refresh);
    m_periodic.start();
    refresh();
}

TrayController::~TrayController()
{
    delete m_icon;
    delete m_menu;
}

bool TrayController::show()
{
    if (!isAvailable())
        return false;
    if (!m_icon) {
        m_icon = new QSystemTrayIcon(Icons::tray(m_state), this);
        m_icon->setContextMenu(m_menu);
        m_icon->setToolTip(m_toolTip);
        connect(m_icon, &QSystemTrayIcon::activated, this,
                [this](QSystemTrayIcon::ActivationReason r) {
                    if (r == QSystemTrayIcon::Trigger || r == QSystemTrayIcon::DoubleClick)
                        emit toggleRequested();
                });
        connect(m_icon, &QSystemTrayIcon::messageClicked, this,
                &TrayController::notificationClicked);
    }
    m_icon->show();
    return true;
}

bool TrayController::isShown() const
{
    return m_icon && m_icon->isVisible();
}

bool TrayController::isPaused() const
{
    return m_pause->isChecked();
}

void TrayController::scheduleRefresh()
{
    if (!m_refresh.isActive())
        m_refresh.start();
}

void TrayController::refresh()
{
    QStringList paused;
    for (const Account &a : m_service->accounts()->list()) {
        if (m_service->accounts()->isPaused(a.name))
            paused << a.name;
    }
    const bool offline = !m_service->connectivity()->canSend();
    if (!paused.isEmpty())
        m_state = TrayState::Attention;
    else if (offline || isPaused())
        m_state = TrayState::Offline;
    else if (m_busy)
        m_state = TrayState::Sending;
    else
        m_state = TrayState::Idle;

    const OutboxReader *st = m_service->outbox();
    const int queued = st->count(MessageState::Queued) + st->count(MessageState::Sending);
    const int held = st->count(MessageState::Held);
    const int failed = st->count(MessageState::Failed);
    QStringList lines{tr("Outpost")};
    if (!paused.isEmpty())
        lines << tr("Paused: %1 — needs your attention").arg(paused.join(QLatin1String(", ")));
    if (isPaused())
        lines << tr("Sending paused");
    else if (m_service->connectivity()->workOffline())
        lines << tr("Working offline");
    else if (offline)
        lines << tr("Offline");
    else if (m_busy)
        lines << tr("Sending…");
    if (queued == 0 && held == 0 && failed == 0) {
        lines << tr("Nothing waiting");
    } else {
        QStringList counts;
        if (queued)
            counts << tr("%n queued", nullptr, queued);
        if (held)
            counts << tr("%n held", nullptr, held);
        if (failed)
            counts << tr("%n failed", nullptr, failed);
        lines << counts.join(QLatin1String(", "));
    }
    const qint64 next = queued ? st->nextDueMs(paused) : -1;
    if (next >= 0 && !offline && !isPaused()) {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QDateTime when = QDateTime::fromMSecsSinceEpoch(next, Qt::UTC);
        if (when > now)
            lines << tr("Next attempt %1").arg(Words::countdown(when, now));
    }
    m_toolTip = lines.join(QLatin1Char('\n'));
    if (m_icon) {
        m_icon->setIcon(Icons::tray(m_state));
        m_icon->setToolTip(m_toolTip);
    }
}

bool TrayController::notify(const Notice &notice)
{
    m_lastTitle = Words::noticeTitle(notice);
    m_lastText = Words::noticeText(notice);
    refresh();
    if (!isShown() || !QSystemTrayIcon::supportsMessages())
        return false;
    const auto icon = notice.kind == Notice::Kind::BatchSent ? QSystemTrayIcon::Information
                                                             : QSystemTrayIcon::Warning;
    m_icon->showMessage(m_lastTitle, m_lastText, icon, 10000);
    return true;
}

} // namespace outpost::ui

namespace outpost::ui {

void TrayController::showInfo(const QString &title, const QString &text)
{
    m_lastTitle = title;
    m_lastText = text;
    if (isShown() && QSystemTrayIcon::supportsMessages())
        m_icon->showMessage(title, text, QSystemTrayIcon::Information, 6000);
}

} // namespace outpost::ui
