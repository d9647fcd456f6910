// The JavaScript examples of the Smart Customer Management API document
// (smart-customer-management-api.txt), copied verbatim: createCustomer and its usage,
// deleteCustomer and its usage, handleApiError. Do not edit; the test wraps them.
// They expect a global `token`, relative `fetch` URLs and a browser `confirm`.

const createCustomer = async (companyId, customerData) => {
try {
const response = await fetch(`/api/tse/v1/company/${companyId}/customer`, {
method: 'POST',
headers: {
'Content-Type': 'application/json',
'Authorization': `Bearer ${token}`
},
body: JSON.stringify(customerData)
});

if (response.status === 201) {
console.log('Customer created successfully');
return await response.json();
}
throw new Error(`Error ${response.status}`);
} catch (error) {
console.error('Customer creation error:', error);
}
};

// Usage
const newCustomer = {
"first-name": "John",
"last-name": "Smith",
"email": "john.smith@example.com",
"vat-number": "IT12345678901"
};

await createCustomer("company123", newCustomer);

const deleteCustomer = async (companyId, customerId) => {
// Confirm deletion
const confirmed = confirm(`Are you sure you want to delete customer ${customerId}?`);
if (!confirmed) return false;

try {
const response = await fetch(`/api/tse/v1/company/${companyId}/customer/${customerId}`, {
method: 'DELETE',
headers: {
'Authorization': `Bearer ${token}`
}
});

if (response.status === 204) {
console.log(`Customer ${customerId} deleted successfully`);
return true;
} else if (response.status === 404) {
console.warn(`Customer ${customerId} not found`);
return false;
}

throw new Error(`Error ${response.status}`);
} catch (error) {
console.error('Customer deletion error:', error);
return false;
}
};

// Usage
const deleted = await deleteCustomer("company123", "456");

const handleApiError = (response) => {
switch(response.status) {
case 400:
throw new Error('Invalid request data');
case 401:
throw new Error('Invalid authentication token');
case 404:
throw new Error('Resource not found');
case 500:
throw new Error('Internal server error');
default:
throw new Error(`API Error: ${response.status}`);
}
};
