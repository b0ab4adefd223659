"""What claimcalc prints: tables, JSON documents, records, guides."""
