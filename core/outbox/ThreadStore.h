#pragma once

#include "storage/Database.h"
#include "OutboxStore.h"

#include <QObject>

#include <functional>
#include <memory>

namespace outpost {

/// An outbox connection for one worker thread (the dispatcher's sending thread, the store's
/// writer thread): a Database opened with Database::openConnection() and an OutboxStore on
/// it, opened at the first use in the thread that owns the object (SQLite connections stay
/// in the thread that opened them) and closed by close() in that same thread.
class ThreadStore : public QObject
{
public:
    /// `setup` (may be empty) runs on the new connection before the store uses it (tests
    /// use it to simulate a full disk on this connection only).
    ThreadStore(const QString &path, const Clock *clock,
                std::function<void(QSqlDatabase &)> setup = {})
        : m_path(path)
        , m_clock(clock)
        , m_setup(std::move(setup))
    {}
    /// The thread's store, or nullptr (with *error) when the outbox cannot be opened.
    OutboxStore *store(QString *error)
    {
        if (!m_store) {
            auto db = std::make_unique<Database>();
            if (!db->openConnection(m_path, error))
                return nullptr;
            if (m_setup)
                m_setup(db->db());
            m_db = std::move(db);
            m_store = std::make_unique<OutboxStore>(m_db.get(), m_clock);
        }
        return m_store.get();
    }
    /// The thread's connection (opened as by store()), or nullptr with *error.
    Database *database(QString *error) { return store(error) ? m_db.get() : nullptr; }
    /// Closes the store and the connection (call it in the owning thread).
    void close()
    {
        m_store.reset();
        m_db.reset();
    }

private:
    QString m_path;
    const Clock *m_clock;
    std::function<void(QSqlDatabase &)> m_setup;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<OutboxStore> m_store;
};

} // namespace outpost
