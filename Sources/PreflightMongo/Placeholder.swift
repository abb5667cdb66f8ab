// The MongoDB probe lives here.
