# The plain path's reader compiled with its containers' types (claimcalc.compiled):
# a dictionary or a list is looked up without asking its type. A value of
# another type where one is declared raises TypeError, which read_plain takes
# as "not plain", as the reader's own type checks do from the sources. None
# passes a declaration: the reader checks each such name's type before it
# uses it, or uses it only where None raises TypeError too (an index).
import cython


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
    keys=cython.Py_ssize_t,
    lines_in_all=cython.Py_ssize_t,
    j=cython.Py_ssize_t,
    k=cython.Py_ssize_t,
    cents=cython.longlong,
)
cpdef _read(path, dict data, settler)


@cython.locals(person=dict, lines=list, line=dict, expenses=list, expense=dict)
cpdef bint _plain_shape(people)


@cython.locals(
    c=cython.Py_UCS4, euro=cython.longlong, cents=cython.longlong, digits=cython.Py_ssize_t,
    places=cython.Py_ssize_t
)
cpdef long long _cost_cents(str text)


@cython.locals(c=cython.Py_UCS4)
cpdef bint _ref_form(str text)
