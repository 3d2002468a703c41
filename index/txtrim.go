package index

// Trim drops the mapped pages of the index that this process touched when
// they take more than the budget Index.Trim keeps, from inside a read
// transaction: for a pass that reads most of the index in one transaction
// (planning every archive document of a first build), where Index.Trim,
// which opens a transaction of its own, cannot be called. The pages stay
// in the page cache and are mapped again on the next access. It does
// nothing in a write transaction, and nothing where the system gives no
// cheap way to drop mapped pages (then Index.Trim between transactions is
// what bounds them).
func (t *Tx) Trim() error {
	if t.tx.Writable() {
		return nil
	}
	if n, ok := mappedResident(); !ok || n < trimBudget {
		return nil
	}
	return dropTxPages(t.tx)
}
