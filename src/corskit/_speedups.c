/* corskit._speedups: the two steps of the request path that every request pays for, in C.
 *
 * _middleware.py uses these when this module was built, and its own Python versions otherwise; the
 * behaviour is the same (tests/middleware/test_speedups.py runs both against each other):
 *
 *   find_origin(headers, duplicate) -> the Origin header's value, None without one, or `duplicate`
 *       when there are several (browsers send exactly one).
 *   read_headers(headers, duplicate) -> (origin, access-control-request-method,
 *       access-control-request-headers, whether access-control-request-private-network is present,
 *       host): Origin as find_origin gives it, the first value of the method and of Host, and every
 *       line of Access-Control-Request-Headers joined with ", " (RFC 9110, section 5.3).
 *   CORSSend(send, extra, replace) -> a callable standing in for ASGI `send`: on
 *       "http.response.start" it sends a copy of the message whose headers are the app's plus `extra`
 *       and `vary: Origin`; if the app set a header named in `replace` (which always holds b"vary"),
 *       or a name with an upper-case letter, it calls corskit._send.merge_headers(headers, extra,
 *       replace) for the careful path instead. Every other message goes through untouched.
 *       `.started` says whether the response has started.
 *
 * Both the `vary: Origin` header and merge_headers are taken from the Python modules once, at import
 * (corskit._asgi.VARY_ORIGIN_HEADER, corskit._send.merge_headers): each is defined in one place.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <string.h>

static PyObject *str_type, *str_headers, *str_response_start, *vary_origin_header, *merge_headers, *separator;

/* Whether `name` is exactly b"origin". */
static int
is_origin(PyObject *name)
{
    return PyBytes_CheckExact(name) && PyBytes_GET_SIZE(name) == 6 &&
           memcmp(PyBytes_AS_STRING(name), "origin", 6) == 0;
}

/* The (name, value) of one ASGI header pair (borrowed), or -1 with an exception set. */
static int
header_pair(PyObject *item, PyObject **name, PyObject **value)
{
    if (PyTuple_CheckExact(item) && PyTuple_GET_SIZE(item) == 2) {
        *name = PyTuple_GET_ITEM(item, 0);
        *value = PyTuple_GET_ITEM(item, 1);
        return 0;
    }
    if (PyList_CheckExact(item) && PyList_GET_SIZE(item) == 2) {
        *name = PyList_GET_ITEM(item, 0);
        *value = PyList_GET_ITEM(item, 1);
        return 0;
    }
    PyErr_SetString(PyExc_ValueError, "each ASGI header must be a (name, value) pair");
    return -1;
}

static int
name_is(PyObject *name, const char *text, Py_ssize_t size)
{
    return PyBytes_GET_SIZE(name) == size && memcmp(PyBytes_AS_STRING(name), text, (size_t)size) == 0;
}

#define NAME_IS(name, literal) name_is(name, literal, (Py_ssize_t)(sizeof(literal) - 1))

/* The headers argument of f(headers, duplicate) as a fast sequence (a new reference), or NULL. */
static PyObject *
header_sequence(PyObject *const *args, Py_ssize_t nargs, const char *usage)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, usage);
        return NULL;
    }
    return PySequence_Fast(args[0], "ASGI headers must be iterable");
}

static PyObject *
find_origin(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *seq = header_sequence(args, nargs, "find_origin(headers, duplicate)");
    if (seq == NULL)
        return NULL;
    PyObject *found = NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name, *value;
        if (header_pair(items[i], &name, &value) < 0) {
            Py_DECREF(seq);
            return NULL;
        }
        if (is_origin(name)) {
            found = found == NULL ? value : args[1];
        }
    }
    /* Take the reference before releasing seq, which may own the only other one. */
    PyObject *result = Py_NewRef(found == NULL ? Py_None : found);
    Py_DECREF(seq);
    return result;
}

static PyObject *
read_headers(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *seq = header_sequence(args, nargs, "read_headers(headers, duplicate)");
    if (seq == NULL)
        return NULL;
    PyObject *origin = NULL, *method = NULL, *requested = NULL, *host = NULL, *lines = NULL, *result = NULL;
    int private_network = 0;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name, *value;
        if (header_pair(items[i], &name, &value) < 0)
            goto done;
        if (!PyBytes_CheckExact(name))
            continue;
        if (NAME_IS(name, "origin"))
            origin = origin == NULL ? value : args[1];
        else if (NAME_IS(name, "host")) {
            if (host == NULL)
                host = value;
        }
        else if (NAME_IS(name, "access-control-request-method")) {
            if (method == NULL)
                method = value;
        }
        else if (NAME_IS(name, "access-control-request-headers")) {
            if (requested == NULL)
                requested = value;
            else {
                if (lines == NULL && (lines = PyList_New(0)) == NULL)
                    goto done;
                if (PyList_GET_SIZE(lines) == 0 && PyList_Append(lines, requested) < 0)
                    goto done;
                if (PyList_Append(lines, value) < 0)
                    goto done;
            }
        }
        else if (NAME_IS(name, "access-control-request-private-network"))
            private_network = 1;
    }
    if (lines != NULL) {
        PyObject *joined = PyObject_CallMethod(separator, "join", "O", lines);
        if (joined == NULL)
            goto done;
        result = Py_BuildValue("(OONOO)", origin ? origin : Py_None, method ? method : Py_None, joined,
                               private_network ? Py_True : Py_False, host ? host : Py_None);
    }
    else
        result = Py_BuildValue("(OOOOO)", origin ? origin : Py_None, method ? method : Py_None,
                               requested ? requested : Py_None, private_network ? Py_True : Py_False,
                               host ? host : Py_None);
done:
    /* Py_BuildValue took its own references before seq, which may own the only other ones, goes. */
    Py_XDECREF(lines);
    Py_DECREF(seq);
    return result;
}

/* Whether the header name has no upper-case ASCII letter (ASGI requires lower-case names).
 *
 * Unlike Python's bytes.islower(), which the pure-Python twin uses, a name without any letter (b"123")
 * counts as lower-case here: the Python twin sends such a name down the careful path, this one does not.
 * merge_headers builds the same list for it either way (tests/middleware/test_speedups.py checks it). */
static int
is_lower_name(PyObject *name)
{
    if (!PyBytes_CheckExact(name))
        return 0;
    const char *s = PyBytes_AS_STRING(name);
    Py_ssize_t n = PyBytes_GET_SIZE(name);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (s[i] >= 'A' && s[i] <= 'Z')
            return 0;
    }
    return 1;
}

typedef struct {
    PyObject_HEAD
    PyObject *send;
    PyObject *extra;   /* tuple of (name, value) */
    PyObject *replace; /* frozenset of names */
    char started;
    vectorcallfunc vectorcall;
} CORSSend;

/* The new header list for a response start message (a new reference), or NULL on error. */
static PyObject *
response_headers(CORSSend *self, PyObject *message)
{
    PyObject *raw = PyDict_GetItemWithError(message, str_headers);
    if (raw == NULL && PyErr_Occurred())
        return NULL;
    PyObject *headers = raw == NULL ? PyList_New(0) : PySequence_List(raw);
    if (headers == NULL)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(headers);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(headers, i);
        PyObject *name = NULL;
        if (PyTuple_Check(item) && PyTuple_GET_SIZE(item) == 2)
            name = PyTuple_GET_ITEM(item, 0);
        else if (PyList_Check(item) && PyList_GET_SIZE(item) == 2)
            name = PyList_GET_ITEM(item, 0);
        int careful = name == NULL || !is_lower_name(name);
        if (!careful) {
            careful = PySet_Contains(self->replace, name);
            if (careful < 0) {
                Py_DECREF(headers);
                return NULL;
            }
        }
        if (careful) {
            PyObject *merged = PyObject_CallFunctionObjArgs(merge_headers, headers, self->extra, self->replace, NULL);
            Py_DECREF(headers);
            return merged;
        }
    }
    Py_ssize_t extra = PyTuple_GET_SIZE(self->extra);
    for (Py_ssize_t i = 0; i < extra; i++) {
        if (PyList_Append(headers, PyTuple_GET_ITEM(self->extra, i)) < 0) {
            Py_DECREF(headers);
            return NULL;
        }
    }
    if (PyList_Append(headers, vary_origin_header) < 0) {
        Py_DECREF(headers);
        return NULL;
    }
    return headers;
}

static PyObject *
corssend_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    CORSSend *self = (CORSSend *)callable;
    if (PyVectorcall_NARGS(nargsf) != 1 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "send(message)");
        return NULL;
    }
    PyObject *message = args[0];
    PyObject *type = PyObject_GetItem(message, str_type);
    if (type == NULL)
        return NULL;
    int start = PyUnicode_Check(type) && PyUnicode_Compare(type, str_response_start) == 0;
    Py_DECREF(type);
    if (!start)
        return PyObject_CallOneArg(self->send, message);
    self->started = 1;
    /* A copy of the message: never edit the app's own. */
    PyObject *copy = PyDict_CheckExact(message) ? PyDict_Copy(message) : PyDict_New();
    if (copy == NULL)
        return NULL;
    if (!PyDict_CheckExact(message) && PyDict_Merge(copy, message, 1) < 0) {
        Py_DECREF(copy);
        return NULL;
    }
    PyObject *headers = response_headers(self, copy);
    if (headers == NULL || PyDict_SetItem(copy, str_headers, headers) < 0) {
        Py_XDECREF(headers);
        Py_DECREF(copy);
        return NULL;
    }
    Py_DECREF(headers);
    PyObject *result = PyObject_CallOneArg(self->send, copy);
    Py_DECREF(copy);
    return result;
}

static PyObject *
corssend_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *send, *extra, *replace;
    if (!PyArg_ParseTuple(args, "OO!O!:CORSSend", &send, &PyTuple_Type, &extra, &PyFrozenSet_Type, &replace))
        return NULL;
    CORSSend *self = (CORSSend *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->send = Py_NewRef(send);
    self->extra = Py_NewRef(extra);
    self->replace = Py_NewRef(replace);
    self->started = 0;
    self->vectorcall = corssend_vectorcall;
    return (PyObject *)self;
}

static int
corssend_traverse(CORSSend *self, visitproc visit, void *arg)
{
    Py_VISIT(self->send);
    Py_VISIT(self->extra);
    Py_VISIT(self->replace);
    return 0;
}

static int
corssend_clear(CORSSend *self)
{
    Py_CLEAR(self->send);
    Py_CLEAR(self->extra);
    Py_CLEAR(self->replace);
    return 0;
}

static void
corssend_dealloc(CORSSend *self)
{
    PyObject_GC_UnTrack(self);
    corssend_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
corssend_get_started(CORSSend *self, void *closure)
{
    return PyBool_FromLong(self->started);
}

static PyGetSetDef corssend_getset[] = {
    {"started", (getter)corssend_get_started, NULL, "whether http.response.start went through", NULL},
    {NULL},
};

static PyTypeObject CORSSendType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "corskit._speedups.CORSSend",
    .tp_basicsize = sizeof(CORSSend),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = corssend_new,
    .tp_dealloc = (destructor)corssend_dealloc,
    .tp_traverse = (traverseproc)corssend_traverse,
    .tp_clear = (inquiry)corssend_clear,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(CORSSend, vectorcall),
    .tp_getset = corssend_getset,
    .tp_doc = "ASGI send that adds CORS headers and Vary: Origin to the response start.",
};

static PyMethodDef methods[] = {
    {"find_origin", (PyCFunction)(void (*)(void))find_origin, METH_FASTCALL,
     "find_origin(headers, duplicate): the Origin value, None, or duplicate"},
    {"read_headers", (PyCFunction)(void (*)(void))read_headers, METH_FASTCALL,
     "read_headers(headers, duplicate): (origin, request method, request headers, private network, host)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "corskit._speedups", "C versions of corskit's per-request steps.", -1, methods,
};

/* module.name, as a new reference (NULL with an exception set). */
static PyObject *
import_attribute(const char *module_name, const char *name)
{
    PyObject *module = PyImport_ImportModule(module_name);
    if (module == NULL)
        return NULL;
    PyObject *value = PyObject_GetAttrString(module, name);
    Py_DECREF(module);
    return value;
}

PyMODINIT_FUNC
PyInit__speedups(void)
{
    str_type = PyUnicode_InternFromString("type");
    str_headers = PyUnicode_InternFromString("headers");
    str_response_start = PyUnicode_InternFromString("http.response.start");
    separator = PyBytes_FromString(", ");
    if (!str_type || !str_headers || !str_response_start || !separator)
        return NULL;
    vary_origin_header = import_attribute("corskit._asgi", "VARY_ORIGIN_HEADER");
    if (vary_origin_header == NULL)
        return NULL;
    merge_headers = import_attribute("corskit._send", "merge_headers");
    if (merge_headers == NULL)
        return NULL;
    if (PyType_Ready(&CORSSendType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "CORSSend", (PyObject *)&CORSSendType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
