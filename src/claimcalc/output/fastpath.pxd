# The fast path's Spec and Head compiled as extension types (claimcalc.compiled):
# their fields read in this module as a structure's, not looked up by name
# (a line's rules read a dozen of them: 2.7% of a medical claim's
# instructions). Other modules, and the sources, see the same names. A field
# or argument declared a dict, list or tuple takes exactly one (not a
# subclass) or None, else TypeError, compiled only: each is made one where it
# is made (Spec.__init__, Head.__init__, line_row's rows).
import cython


cdef class Spec:
    cdef public object article, authorised_above, authorised_above_cents, code, franchigie_cents
    cdef public object kind, language, level, plan, section, title, window, zone
    cdef public bint deadlines, unit_counted
    cdef public tuple claim_wide, franchigie, line_parts, renunciation, requires, waivers
    cdef public dict capped, max_ages, verdicts


cdef class Head:
    cdef public object plan, product
    cdef public dict product_record, specs
    cdef public tuple record_parts


cpdef line_row(
    Spec spec, plan, claim, documented, loss, line_facts, base, base_key, dict answered, age,
    role, line, bint cents=*
)


@cython.locals(
    section=Spec, spec=Spec, sections=list, section_rows=list, payable=list, takers=list,
    by_section=dict, consumed=dict, row=list, reasons=list, parts=tuple, person_parts=tuple,
    first=bint
)
cpdef person_text_cents(list rows, ref, age, list out, bint fast)


cpdef _verdict(Spec spec, plan, facts, key)


@cython.locals(key=list)
cpdef tuple _key(dict facts)


@cython.locals(capped=tuple, written=tuple)
cpdef _apply_cents(tuple chain, value, dict consumed, list reasons, bint fast)


@cython.locals(c=cython.Py_UCS4)
cpdef str _escaped(str text, bint fast)


cpdef str _reason_text(str code_text, str article_text, str text, bint fast)


@cython.locals(capped=tuple)
cpdef _after_limits_cents(tuple chain, value, dict consumed)


@cython.locals(consumed=dict, takes=list, placed=list, row=list, k=cython.Py_ssize_t)
cpdef _cheapest_cents(list rows, list payable, amount)


# The same steps in Decimal (claims the plain path does not read)
@cython.locals(
    section=Spec, spec=Spec, sections=list, section_rows=list, payable=list, takers=list,
    by_section=dict, consumed=dict, lines=list, row=list, reasons=list
)
cpdef person_document(list rows, ref, age, list claimed)


cpdef _apply(tuple chain, value, dict consumed, list reasons)


cpdef _after_limits(tuple chain, value, dict consumed)


@cython.locals(consumed=dict, takes=list, placed=list, row=list, k=cython.Py_ssize_t)
cpdef _cheapest(list rows, list payable, amount)
