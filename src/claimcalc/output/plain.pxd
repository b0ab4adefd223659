# The plain path's reader compiled with its containers' types (claimcalc.compiled):
# a dictionary or a list is looked up without asking its type. A value of
# another type where one is declared raises TypeError, which read_plain takes
# as "not plain", as the reader's own type checks do from the sources. None
# passes a declaration: the reader checks each such name's type before it
# uses it, or uses it only where None raises TypeError too (an index).
# The fast path's Head read as a structure and its steps called in C (their
# declarations cimported: claimcalc.compiled.digest makes this module stale
# when fastpath's source or declarations change).
import cython

from claimcalc.output.fastpath cimport Head, Spec, line_row, person_document_cents


@cython.locals(
    event_data=dict,
    people=list,
    person=dict,
    lines=list,
    line=dict,
    expenses=list,
    expense=dict,
    refs=set,
    ids=set,
    persons=list,
    read=list,
    windows=list,
    base=dict,
    head=Head,
    keys=cython.Py_ssize_t,
    lines_in_all=cython.Py_ssize_t,
    j=cython.Py_ssize_t,
    k=cython.Py_ssize_t,
)
cpdef _read(path, dict data, settler)


@cython.locals(person=dict, lines=list, line=dict, expenses=list, expense=dict)
cpdef bint _plain_shape(people)
