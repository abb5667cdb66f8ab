// The MySQL probe lives here.
